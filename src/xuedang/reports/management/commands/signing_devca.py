"""Make the development CA and the registry's report-signing certificate unless they exist.

`make run` calls it before the server starts. Idempotent: an existing CA is kept, so reports
signed earlier still verify. Production configures SIGNING_KEY_FILE/SIGNING_CERT_FILE instead.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from xuedang.reports.signing import dev_ca_directory, devca_ensure


class Command(BaseCommand):
    help = "创建开发用 CA 与报告签名证书 / create the development CA and report-signing certificate"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="directory (default: DATA_DIR/signing-dev)")

    def handle(self, *args: object, dir: Path | None, **options: object) -> None:
        if settings.SIGNING_KEY_FILE and dir is None:
            self.stdout.write("已配置 SIGNING_KEY_FILE，未创建开发用 CA / SIGNING_KEY_FILE is set; no dev CA made")
            return
        ca, created = devca_ensure(dir or dev_ca_directory())
        verb = "已创建 / created" if created else "已存在 / exists"
        self.stdout.write(f"{verb}: {ca.cert} (CA: {ca.ca_cert})")
