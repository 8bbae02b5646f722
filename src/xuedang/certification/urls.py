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
    path("certification/", views.application_list, name="application_list"),
    path("certification/apply/", views.application_apply, name="application_apply"),
    path("certification/<int:pk>/", views.application_detail, name="application_detail"),
    path("certification/<int:pk>/report-<str:lang>.pdf", views.application_report, name="application_report"),
    path("certification/<int:pk>/scans/<str:kind>", views.application_scan, name="application_scan"),
    path("certification/<int:pk>/pay/", views.application_pay, name="application_pay"),
    path("certification/payments/alipay/notify", views.alipay_notify, name="alipay_notify"),
    path("certification/payments/wechat/notify", views.wechat_notify, name="wechat_notify"),
    path("certification/verify/", views.verify, name="verify"),
    path("certification/review/", views.review_list, name="review_list"),
    path("certification/review/<int:pk>/", views.review_detail, name="review_detail"),
    path("certification/checks/", views.check_list, name="check_list"),
    path("certification/checks/<int:pk>/", views.check_detail, name="check_detail"),
]
