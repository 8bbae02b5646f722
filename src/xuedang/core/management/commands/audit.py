from django.core.management.base import BaseCommand, CommandParser

from xuedang.core.audit import history_for, verify_chain


class Command(BaseCommand):
    help = "审计日志 / audit log: `verify` recomputes the hash chain; `show` lists a record's entries"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute the chain; exit status 1 when broken")
        show = sub.add_parser("show", help="entries of one record")
        show.add_argument("--target", required=True, help="app.model:pk, e.g. registry.enrollment:42")

    def handle(self, *args: object, action: str, **options: object) -> None:
        if action == "verify":
            self._verify()
        else:
            self._show(str(options["target"]))

    def _verify(self) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(
                f"审计链完整：已核对 {report.checked} 条 / audit chain intact: {report.checked} entries checked"
            )
            return
        self.stderr.write(
            f"审计链在第 {report.first_broken_id} 条断开：{report.reason} / "
            f"audit chain broken at entry {report.first_broken_id}"
        )
        raise SystemExit(1)

    def _show(self, target: str) -> None:
        target_type, _, target_id = target.partition(":")
        for entry in history_for((target_type, target_id)):
            self.stdout.write(
                f"#{entry.pk} {entry.at:%Y-%m-%d %H:%M:%S} {entry.actor_label} "
                f"{entry.action} {entry.before} → {entry.after} {entry.reason}"
            )
