from django.core.management.base import BaseCommand
from django.urls import reverse

from xuedang.demo import builder as demo


class Command(BaseCommand):
    help = "打印演示账号 / print the demo login for each role"

    def handle(self, *args: object, **options: object) -> None:
        logins = demo.demo_logins()
        self.stdout.write(f"\n演示账号 / demo logins — http://127.0.0.1:8000{reverse('login')}")
        for login in logins:
            self.stdout.write(f"  {login.role:<40} {login.username:<16} {login.password}  → {login.where}")
        self.stdout.write(f"  (centre staff also reach the admin at {reverse('admin:index')})")
        self.stdout.write(
            f"  工作人员两步验证密钥 / staff authenticator key: {demo.DEMO_TOTP_SECRET} "
            f"(当前口令 / current code {demo.demo_totp_code()})\n"
        )
