from django.contrib import admin

from xuedang.imports.models import ImportJob
from xuedang.institutions.admin_site import ReadOnlyAdmin


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "institution", "kind", "filename", "state", "inserted_rows", "error_count", "created_at")
    list_filter = ("state", "kind")
    search_fields = ("institution__code", "filename", "sha256")
    list_select_related = ("institution",)
