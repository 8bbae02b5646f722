from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xuedang.accounts.models import User
from xuedang.accounts.services import membership_approve_as_operator
from xuedang.institutions.models import Membership


class Command(BaseCommand):
    help = (
        "上线初期（中心用户管理员不足两位时）确认一名工作人员待复核的中心岗位 / at go-live, while the centre has "
        "fewer than two user administrators, confirm a staff member's centre roles awaiting a second approval"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="登录名 / login name")
        parser.add_argument("--reason", required=True, help="原因 / reason")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        waiting = Membership.objects.filter(user=user, awaiting_approval=True) if user else Membership.objects.none()
        if not waiting.exists():
            raise CommandError("该账号没有待复核的岗位 / this account has no role awaiting approval")
        for membership in waiting:
            try:
                membership_approve_as_operator(membership=membership, reason=options["reason"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
            self.stdout.write(f"已确认 / confirmed: {membership.get_scope_display()} {membership.get_role_display()}")
