from django.contrib import admin

from xuedang.accounts.models import IdentityAppeal, User
from xuedang.core.masking import mask_document, mask_phone
from xuedang.institutions.admin_site import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    """Accounts are read here with identity numbers masked; changes go through services."""

    list_display = ("username", "real_name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active")
    search_fields = ("username",)
    fields = (
        "username",
        "real_name",
        "document_type",
        "masked_document",
        "masked_phone",
        "email",
        "is_staff",
        "is_active",
        "last_login",
        "date_joined",
    )
    readonly_fields = fields

    @admin.display(description="证件号码 / document number")
    def masked_document(self, obj: User) -> str:
        return mask_document(obj.document_number)

    @admin.display(description="手机号 / mobile")
    def masked_phone(self, obj: User) -> str:
        return mask_phone(obj.phone)


@admin.register(IdentityAppeal)
class IdentityAppealAdmin(ReadOnlyAdmin):
    """Appeals are decided on the centre's queue (/account/appeals/); here they are only read."""

    list_display = ("pk", "appellant", "state", "submitted_at", "due_date", "decided_by")
    list_filter = ("state",)
    fields = (
        "appellant",
        "real_name",
        "document_type",
        "masked",
        "state",
        "submitted_at",
        "due_date",
        "decided_at",
        "decided_by",
        "decision_reason",
    )
    readonly_fields = fields

    @admin.display(description="证件号码 / document number")
    def masked(self, obj: IdentityAppeal) -> str:
        return obj.masked_document
