from django.core.management.base import BaseCommand, CommandError, CommandParser

from xuedang.reports.models import Organisation, VerifierKey
from xuedang.reports.services import organisation_register, verifier_key_issue, verifier_key_revoke


class Command(BaseCommand):
    help = "查询单位接口密钥 / API keys of verifying organisations: register, issue, list, revoke"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        register = sub.add_parser("register", help="登记单位 / register an organisation")
        register.add_argument("--organisation", required=True)
        register.add_argument("--credit-code", default="")
        register.add_argument("--contact-name", default="")
        register.add_argument("--contact-email", default="")
        issue = sub.add_parser("issue", help="签发密钥 / issue a key")
        issue.add_argument("--organisation", required=True)
        issue.add_argument("--name", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--organisation", required=True)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")
        revoke.add_argument("--reason", required=True)

    def handle(self, *args: object, action: str, **options: str) -> None:
        if action == "register":
            organisation: Organisation | None = organisation_register(
                actor=None,
                name=options["organisation"],
                credit_code=options["credit_code"],
                contact_name=options["contact_name"],
                contact_email=options["contact_email"],
            )
            self.stdout.write(f"已登记 / registered {organisation}")
            return
        if action == "revoke":
            key = VerifierKey.objects.filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError("没有该密钥 / no such key")
            verifier_key_revoke(actor=None, key=key, reason=options["reason"])
            self.stdout.write(f"已停用 / revoked {key}")
            return
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError("单位未登记，请先 register / unknown organisation; register it first")
        if action == "issue":
            key, secret = verifier_key_issue(actor=None, organisation=organisation, name=options["name"])
            self.stdout.write(f"{key}\n{secret}\n请妥善保存，此密钥只显示这一次 / store it now; it is shown only once")
            return
        for key in organisation.keys.order_by("-created_at"):
            state = "有效 / active" if key.active else "已停用 / revoked"
            self.stdout.write(f"{key.prefix} {key.name} {state} {key.last_used_at or ''}")
