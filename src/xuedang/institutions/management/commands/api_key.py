from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xuedang.institutions.models import ApiKey, Institution
from xuedang.institutions.services import api_key_issue, api_key_revoke


class Command(BaseCommand):
    help = "接口密钥 / API keys for schools' systems (--institution) and provinces' admissions systems (--province)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue")
        holder = issue.add_mutually_exclusive_group(required=True)
        holder.add_argument("--institution")
        holder.add_argument("--province")
        issue.add_argument("--name", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--institution", required=True)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")
        revoke.add_argument("--reason", required=True)

    def handle(self, *args: object, action: str, **options: str) -> None:
        if action == "revoke":
            key = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError("没有该密钥 / no such key")
            api_key_revoke(actor=None, key=key, reason=options["reason"])
            self.stdout.write(f"已停用 / revoked {key}")
            return
        if action == "issue" and options.get("province"):
            try:
                key, secret = api_key_issue(actor=None, province_code=options["province"], name=options["name"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
            self._issued(key, secret)
            return
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError("院校代码不存在 / unknown institution code")
        if action == "issue":
            key, secret = api_key_issue(actor=None, institution=institution, name=options["name"])
            self._issued(key, secret)
            return
        for key in institution.api_keys.order_by("-created_at"):
            state = "有效 / active" if key.active else "已停用 / revoked"
            self.stdout.write(f"{key.prefix} {key.name} {state} {key.last_used_at or ''}")

    def _issued(self, key: ApiKey, secret: str) -> None:
        self.stdout.write(f"{key}\n{secret}\n请妥善保存，此密钥只显示这一次 / store it now; it is shown only once")
