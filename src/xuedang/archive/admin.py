"""The centre reads the archive's links and requests; nothing is changed or deleted here.

Evidence files, proposed values and digests stay out of the admin (personal data): the
school's and province's queues show them to the officers deciding."""

from django.contrib import admin

from xuedang.archive.models import Binding, Correction, FormerIdentity, PhotoCheck
from xuedang.institutions.admin_site import ReadOnlyAdmin


@admin.register(Binding)
class BindingAdmin(ReadOnlyAdmin):
    list_display = ("user", "admission", "enrollment", "credential", "method", "bound_at")
    list_filter = ("method",)
    raw_id_fields = ("user", "admission", "enrollment", "credential")


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "institution", "field", "state", "needs_province", "created_at")
    list_filter = ("state", "needs_province")
    exclude = ("evidence", "old_value", "new_value")
    raw_id_fields = ("user", "enrollment", "credential", "institution")


@admin.register(PhotoCheck)
class PhotoCheckAdmin(ReadOnlyAdmin):
    list_display = ("pk", "institution", "verdict", "state", "created_at", "resolved_at")
    list_filter = ("verdict", "state")
    raw_id_fields = ("photo", "enrollment", "institution", "user", "resolved_by")


@admin.register(FormerIdentity)
class FormerIdentityAdmin(ReadOnlyAdmin):
    list_display = ("pk", "user", "state", "created_at", "decided_at")
    list_filter = ("state",)
    exclude = ("evidence", "identity_digest")
    raw_id_fields = ("user", "decided_by")
