from django.contrib import admin

from xuedang.core.masking import mask_document
from xuedang.institutions.admin_site import ReadOnlyAdmin
from xuedang.registry.models import (
    AccessEvent,
    Admission,
    AnnualRegistration,
    Credential,
    Enrollment,
    EnrollmentChange,
    EnrollmentNote,
    TransferRequest,
)

PII_EXCLUDE = ("document_number", "identity_digest")


class RegistryAdmin(ReadOnlyAdmin):
    exclude = PII_EXCLUDE

    @admin.display(description="证件号码 / document number")
    def masked_document(self, obj) -> str:
        return mask_document(obj.document_number)


@admin.register(Enrollment)
class EnrollmentAdmin(RegistryAdmin):
    list_display = ("institution", "student_number", "name", "major_name", "level", "entry_date", "state")
    list_filter = ("state", "level", "education_type", "is_full_time")
    search_fields = ("student_number", "institution__code")
    list_select_related = ("institution",)
    readonly_fields = ("masked_document",)


@admin.register(Credential)
class CredentialAdmin(RegistryAdmin):
    list_display = ("certificate_number", "name", "institution_name", "level", "kind", "issue_date", "state")
    list_filter = ("state", "kind", "level")
    search_fields = ("certificate_number",)
    readonly_fields = ("masked_document",)


@admin.register(Admission)
class AdmissionAdmin(RegistryAdmin):
    list_display = ("year", "exam_number", "name", "institution", "major_name", "state")
    list_filter = ("state", "year")
    search_fields = ("exam_number",)
    readonly_fields = ("masked_document",)


@admin.register(EnrollmentChange)
class EnrollmentChangeAdmin(ReadOnlyAdmin):
    list_display = ("enrollment", "change_code", "change_date", "late")
    list_filter = ("change_code", "late")


@admin.register(AnnualRegistration)
class AnnualRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("enrollment", "academic_year", "status", "deadline", "registered_on", "late")
    list_filter = ("academic_year", "status", "late")


@admin.register(EnrollmentNote)
class EnrollmentNoteAdmin(ReadOnlyAdmin):
    list_display = ("enrollment", "kind", "title", "decided_on")
    list_filter = ("kind",)


@admin.register(TransferRequest)
class TransferRequestAdmin(ReadOnlyAdmin):
    list_display = ("pk", "from_institution", "to_institution", "transfer_date", "state", "filed_at")
    list_filter = ("state",)
    list_select_related = ("from_institution", "to_institution")


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "viewer_kind", "viewer_label", "record_type", "seen")
    list_filter = ("viewer_kind",)
    exclude = ("identity_digest",)
