from django.core.management.base import BaseCommand

from xuedang.imports.services import import_files_expire


class Command(BaseCommand):
    help = (
        "删除超过保留期限的导入错误报告和残留文件 / delete import error reports and left-over uploads "
        "older than IMPORT_FILES_RETENTION_DAYS (celery beat runs this daily)"
    )

    def handle(self, *args: object, **options: object) -> None:
        removed = import_files_expire()
        self.stdout.write(f"已删除 {removed} 个文件 / {removed} files removed")
