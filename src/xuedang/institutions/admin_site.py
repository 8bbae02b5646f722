"""The Django admin, for centre staff only, with every change written to the audit log.

Registry records (学籍, 学历 …) are read-only here: their writes carry rules and go through
`registry.services`. Reference data, institutions and staff memberships are editable; each
save writes an audit entry with the values before and after. Nothing can be deleted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from xuedang.core.audit import audit_log
from xuedang.institutions.access import is_centre
from xuedang.institutions.models import Role

# 第二十四条: only the centre's user administrators change reference data and memberships;
# other centre staff (auditors, approvers) read.
MANAGING = (Role.USER_ADMIN,)


class CentreAdminSite(admin.AdminSite):
    site_header = "学档 管理 / xuedang administration"
    site_title = "学档 / xuedang"
    index_title = "全国学籍学历注册中心 / national centre"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff and is_centre(request.user))

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """One sign-in for everyone, the site's own (its throttles, then two-step sign-in for staff):
        the admin's password-only form would be a second, weaker door."""
        return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"), reverse("login"))


class AuditedAdmin(admin.ModelAdmin):
    """Saves through the admin are audited; deletion is never offered."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_centre(request.user, MANAGING)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_centre(request.user, MANAGING)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_centre(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_centre(request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        fields = [f for f in form.changed_data if f in form.cleaned_data]
        before = {f: form.initial.get(f) for f in fields} if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            label = obj._meta.label_lower
            audit_log(
                actor=request.user,
                action=f"{label}.{'changed' if change else 'added'}.admin",
                target=obj,
                before=before,
                after={f: form.cleaned_data[f] for f in fields},
                reason="管理后台 / admin",
            )


class ReadOnlyAdmin(AuditedAdmin):
    """Registry records: centre staff read them here; changes go through the services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
