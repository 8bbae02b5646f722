from django.contrib import admin

from xuedang.core.models import AuditEntry, Code, HolidayCalendarDay
from xuedang.institutions.admin_site import AuditedAdmin, ReadOnlyAdmin
from xuedang.institutions.models import ApiKey, Institution, President


class PresidentInline(admin.TabularInline):
    model = President
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Institution)
class InstitutionAdmin(AuditedAdmin):
    list_display = ("code", "school_id", "name", "province_code", "authority", "level", "remarks", "credit_system")
    list_filter = ("province_code", "level", "remarks", "credit_system")
    search_fields = ("code", "school_id", "name")
    readonly_fields = ("school_id", "code")
    inlines = [PresidentInline]


# Memberships are registered by accounts' admin: their changes go through accounts' service.


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Keys are issued with `xuedang api_key issue` (shown once); here they are only listed."""

    list_display = ("institution", "province_code", "name", "prefix", "active", "created_at", "last_used_at")
    list_filter = ("active",)
    search_fields = ("institution__code", "name", "prefix")
    exclude = ("key_hash",)


# core's reference data and audit log, in the centre's admin site (which needs institutions' roles)


@admin.register(Code)
class CodeAdmin(AuditedAdmin):
    list_display = ("table", "code", "name_zh", "name_en", "parent", "active")
    list_filter = ("table", "active")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(HolidayCalendarDay)
class HolidayCalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor_label", "action", "target_type", "target_id")
    list_filter = ("action",)
    search_fields = ("target_id", "actor_label", "action")
    date_hierarchy = "at"
