from django.urls import path

from xuedang.certification import views

app_name = "certification"

urlpatterns = [
    path("self-study/", views.self_study_list, name="self_study_list"),
    path("self-study/template.csv", views.self_study_template, name="self_study_template"),
    path("self-study/<int:pk>/", views.self_study_detail, name="self_study_detail"),
    path("self-study/<int:pk>/photo/", views.self_study_photo, name="self_study_photo"),
    path("self-study/<int:pk>/publish/", views.self_study_publish, name="self_study_publish"),
    path("self-study/<int:pk>/correct/", views.self_study_correct, name="self_study_correct"),
    path("back-registration/", views.back_registration_list, name="back_registration_list"),
    path("back-registration/template.csv", views.back_registration_template, name="back_registration_template"),
    path("back-registration/<int:pk>/", views.back_registration_detail, name="back_registration_detail"),
]
