from django.urls import path

from xuedang.registry import views

app_name = "registry"
urlpatterns = [
    path("enrollments/", views.enrollment_list, name="enrollment_list"),
    path("enrollments/export.<str:fmt>", views.enrollment_export, name="enrollment_export"),
    path("late/", views.late_list, name="late_list"),
    path("enrollments/<int:pk>/", views.enrollment_detail, name="enrollment_detail"),
]
