from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from xuedang.accounts.models import IdentityAppeal, User
from xuedang.accounts.services import memberships
from xuedang.core.masking import mask_document, mask_phone
from xuedang.institutions.access import is_centre
from xuedang.institutions.admin_site import MANAGING, AuditedAdmin, ReadOnlyAdmin
from xuedang.institutions.models import Membership


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


class MembershipGrantForm(forms.ModelForm):
    """The admin's "add membership": checked by the one membership service, as the signed-in user."""

    actor: Any = None

    class Meta:
        model = Membership
        fields = ("user", "scope", "role", "province_code", "institution")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            memberships.membership_check(
                actor=self.actor,
                user=data["user"],
                scope=data["scope"],
                role=data["role"],
                province_code=data.get("province_code") or "",
                institution=data.get("institution"),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data

    def validate_unique(self) -> None:
        """A revoked role may be granted again: the service reactivates its row."""


SERVICE_ACTIONS = ("approve", "revoke")


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    """Roles are added here through `membership_grant` (no self-grant, scope, 第二十四条, a second
    approval for centre roles) and approved or revoked by the actions below; never edited in place."""

    form = MembershipGrantForm
    list_display = ("user", "scope", "role", "province_code", "institution", "active", "awaiting_approval")
    list_filter = ("scope", "role", "active", "awaiting_approval")
    search_fields = ("user__username", "institution__name", "institution__code")
    autocomplete_fields = ("institution",)
    raw_id_fields = ("user",)
    actions = SERVICE_ACTIONS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form: Any = super().get_form(request, obj, change=change, **kwargs)  # a fresh class per request
        form.actor = request.user
        return form

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = memberships.membership_grant(
            actor=request.user,
            user=data["user"],
            scope=data["scope"],
            role=data["role"],
            province_code=data.get("province_code") or "",
            institution=data.get("institution"),
            reason="管理后台 / admin",
        )
        obj.pk = saved.pk

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Django offers actions only with change permission; these two are services with their own checks.
        if not is_centre(request.user, MANAGING):
            return {}
        return {name: (getattr(self, name), name, getattr(self, name).short_description) for name in SERVICE_ACTIONS}

    def _each(self, request: HttpRequest, queryset: QuerySet[Membership], step: Any) -> None:
        for membership in queryset:
            try:
                step(membership)
            except ValidationError as error:
                messages.error(request, f"{membership}: {'; '.join(error.messages)}")

    @admin.action(description="复核通过所选岗位 / approve the selected roles")
    def approve(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._each(request, queryset, lambda m: memberships.membership_approve(actor=request.user, membership=m))

    @admin.action(description="撤销所选岗位 / revoke the selected roles")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._each(
            request,
            queryset,
            lambda m: memberships.membership_revoke(actor=request.user, membership=m, reason="管理后台 / admin"),
        )
