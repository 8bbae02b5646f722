from django.urls import path

from xuedang.registry import views

app_name = "registry"
urlpatterns = [
    path("enrollments/", views.enrollment_list, name="enrollment_list"),
    path("enrollments/export.<str:fmt>", views.enrollment_export, name="enrollment_export"),
    path("late/", views.late_list, name="late_list"),
    path("semester-starts/", views.semester_starts, name="semester_starts"),
    path("admissions/", views.admission_list, name="admission_list"),
    path("admissions/<int:pk>/", views.admission_detail, name="admission_detail"),
    path("admission-batches/", views.admission_batch_list, name="admission_batch_list"),
    path("waivers/", views.waiver_list, name="waiver_list"),
    path("waivers/<int:pk>/decide/", views.waiver_decide, name="waiver_decide"),
    path("admission-batches/<int:pk>/", views.admission_batch_detail, name="admission_batch_detail"),
    path("enrollments/new/", views.enrollment_new, name="enrollment_new"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("enrollments/<int:pk>/correct/", views.enrollment_correct, name="enrollment_correct"),
    path("enrollments/<int:pk>/cancel/", views.enrollment_cancel, name="enrollment_cancel"),
    path("enrollments/<int:pk>/annual/", views.enrollment_annual, name="enrollment_annual"),
    path("enrollments/<int:pk>/change/", views.enrollment_change, name="enrollment_change"),
    path("enrollments/<int:pk>/credential/", views.credential_new, name="credential_new"),
    path("credentials/<int:pk>/", views.credential_detail, name="credential_detail"),
    path("credentials/<int:pk>/edit/", views.credential_edit, name="credential_edit"),
    path("credentials/<int:pk>/annotate/", views.credential_annotate, name="credential_annotate"),
    path("credentials/<int:pk>/revoke/", views.credential_revoke, name="credential_revoke"),
    path("presidents/", views.president_list, name="president_list"),
    path("revocations/", views.revocation_list, name="revocation_list"),
    path("revocations/<int:pk>/", views.revocation_detail, name="revocation_detail"),
    path("photos/", views.photos_upload, name="photos_upload"),
    path("credentials/unpublished/", views.credentials_unpublished, name="credentials_unpublished"),
    path("credentials/publish/", views.credentials_publish, name="credentials_publish"),
    path("credentials/publish/<int:pk>/", views.publication_job, name="publication_job"),
    path("enrollments/<int:pk>/note/", views.enrollment_note, name="enrollment_note"),
    path("enrollments/<int:pk>/", views.enrollment_detail, name="enrollment_detail"),
]
