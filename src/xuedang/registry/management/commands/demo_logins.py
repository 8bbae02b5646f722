from django.core.management.base import BaseCommand

from xuedang.registry import demo


class Command(BaseCommand):
    help = "打印演示账号 / print the demo login for each role"

    def handle(self, *args: object, **options: object) -> None:
        logins = demo.demo_logins()
        self.stdout.write("\n演示账号 / demo logins — http://127.0.0.1:8000/login/")
        for login in logins:
            self.stdout.write(f"  {login.role:<40} {login.username:<16} {login.password}  → {login.where}")
        self.stdout.write("  (centre staff also reach the admin at /admin/)\n")
