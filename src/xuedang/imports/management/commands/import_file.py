from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from xuedang.accounts.models import User
from xuedang.imports.files import job_file
from xuedang.imports.models import ImportKind, ImportState
from xuedang.imports.services import import_job_create, import_job_run
from xuedang.institutions.models import Institution


class Command(BaseCommand):
    help = "批量导入 / import a registration file (CSV or XLSX) for one institution"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--institution", required=True, help="院校代码, e.g. 10001")
        parser.add_argument("--kind", default=ImportKind.ENROLLMENTS, choices=ImportKind.values)
        parser.add_argument("--operator", default="", help="username recorded as the operator")
        parser.add_argument(
            "--background", action="store_true", help="only queue the job for the Celery workers and print its number"
        )

    def handle(
        self,
        *args: object,
        path: Path,
        institution: str,
        kind: str,
        operator: str,
        background: bool = False,
        **options: object,
    ) -> None:
        school = Institution.objects.filter(code=institution).first()
        if school is None:
            raise CommandError(f"院校代码 {institution} 不存在 / unknown institution code")
        actor = User.objects.filter(username=operator).first() if operator else None
        with path.open("rb") as upload, transaction.atomic():
            job = import_job_create(actor=actor, institution=school, kind=kind, upload=upload, filename=path.name)
        if background:
            self.stdout.write(f"导入任务 #{job.pk} 已排队 / import job {job.pk} queued")
            return
        job.refresh_from_db()
        if job.state == ImportState.PENDING:  # no broker: run it here
            job = import_job_run(job_id=job.pk)
        self.stdout.write(
            f"导入任务 #{job.pk}: {job.get_state_display()} — 新增 {job.inserted_rows} 行，"
            f"已存在跳过 {job.skipped_rows} 行 / inserted {job.inserted_rows}, skipped "
            f"{job.skipped_rows}"
        )
        if job.state != ImportState.DONE:
            for error in job.errors[:20]:
                self.stderr.write(f"第 {error['row']} 行 [{error['column']}] {error['value']}: {error['message']}")
            if job.message:
                self.stderr.write(job.message)
            report = job_file(job, "errors.xlsx")
            if report.exists():
                self.stderr.write(f"错误报告 / error report: {report}")
            raise SystemExit(1)
