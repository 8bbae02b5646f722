from django.contrib import admin

from xuedang.core.admin_site import AuditedAdmin, ReadOnlyAdmin
from xuedang.core.models import AuditEntry, Code, HolidayCalendarDay


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
