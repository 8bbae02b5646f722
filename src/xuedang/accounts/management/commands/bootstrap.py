from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xuedang.accounts.services import invitations


class Command(BaseCommand):
    help = (
        "在空数据库中创建首位中心用户管理员，并打印一次性链接（设置密码、启用两步验证）/ "
        "create the first centre user administrator of an empty registry and print a single-use link"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="姓名 / name")
        parser.add_argument("--phone", default="", help="手机号 / mobile")
        parser.add_argument("--email", default="", help="邮箱 / email")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            invitation, token = invitations.bootstrap(
                real_name=options["name"], phone=options["phone"], email=options["email"]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        hours = int(invitations.INVITATION_VALID.total_seconds() // 3600)
        self.stdout.write(
            f"首位中心用户管理员 {invitation.real_name} 的一次性链接（{hours} 小时内有效，只显示这一次）/ "
            f"single-use link for the first centre user administrator (valid {hours} h, shown only now):"
        )
        self.stdout.write(invitations.invitation_link(token))
