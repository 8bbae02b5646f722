from django.contrib import admin

from xuedang.institutions.admin_site import AuditedAdmin, ReadOnlyAdmin
from xuedang.reports.models import Organisation, VerifierKey

# Reports themselves are not in the admin: each is a student's consent, and its code is a key.


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "credit_code", "contact_name", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "credit_code")


@admin.register(VerifierKey)
class VerifierKeyAdmin(ReadOnlyAdmin):
    """Keys are issued with `xuedang verifier_key issue` (shown once); here they are only listed."""

    list_display = ("organisation", "name", "prefix", "active", "created_at", "last_used_at")
    list_filter = ("active",)
    exclude = ("key_hash",)
