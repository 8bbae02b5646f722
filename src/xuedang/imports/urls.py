from django.urls import path

from xuedang.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("template.<str:fmt>", views.import_template, name="import_template"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/progress", views.import_progress, name="import_progress"),
    path("<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
]
