from django.urls import path

from xuedang.archive import views

app_name = "archive"
urlpatterns = [
    path("", views.home, name="home"),
    path("enrollments/<int:pk>/", views.enrollment_detail, name="enrollment_detail"),
    path("credentials/<int:pk>/", views.credential_detail, name="credential_detail"),
    path("admissions/<int:pk>/", views.admission_detail, name="admission_detail"),
    path("photos/", views.photo_checks, name="photos"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/answer/", views.photo_answer, name="photo_answer"),
    path("bind/credential/", views.bind_credential, name="bind_credential"),
    path("bind/enrollment/", views.bind_enrollment, name="bind_enrollment"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/new/<str:kind>/<int:pk>/", views.correction_new, name="correction_new"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction_detail"),
    path("access/", views.access_log, name="access"),
    path("notifications/", views.notifications, name="notifications"),
    path("export.json", views.export_json, name="export_json"),
    path("export.pdf", views.export_pdf, name="export_pdf"),
    path("print.pdf", views.print_pdf, name="print_pdf"),
    path("identity/", views.former_identity, name="former_identity"),
]

# Among the account pages (/account/…, namespace "accounts"): the identity question guards the
# archive and is answered from registry records, so its view is the archive's (decision 0011).
account_patterns = [
    path("identity-challenge/", views.identity_challenge, name="identity_challenge"),
]
