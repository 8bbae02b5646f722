from django.urls import path

from xuedang.certification import views

app_name = "certification"

urlpatterns = [
    path("", views.self_study_list, name="self_study_list"),
    path("template.csv", views.self_study_template, name="self_study_template"),
    path("<int:pk>/", views.self_study_detail, name="self_study_detail"),
    path("<int:pk>/photo/", views.self_study_photo, name="self_study_photo"),
    path("<int:pk>/publish/", views.self_study_publish, name="self_study_publish"),
    path("<int:pk>/correct/", views.self_study_correct, name="self_study_correct"),
]
