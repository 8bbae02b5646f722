from django.urls import path

from xuedang.archive import school_views as views

app_name = "archive_school"
urlpatterns = [
    path("photo-disputes/", views.photo_disputes, name="photo_disputes"),
    path("photo-disputes/<int:pk>/", views.photo_dispute_detail, name="photo_dispute_detail"),
    path("photo-disputes/<int:pk>/photo", views.photo_dispute_image, name="photo_dispute_image"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction_detail"),
    path("corrections/<int:pk>/evidence", views.correction_evidence, name="correction_evidence"),
    path("identities/", views.former_identities, name="former_identities"),
    path("identities/<int:pk>/", views.former_identity_detail, name="former_identity_detail"),
    path("identities/<int:pk>/evidence", views.former_identity_evidence, name="former_identity_evidence"),
]
