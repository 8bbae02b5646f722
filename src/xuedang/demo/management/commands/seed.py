from django.core.management.base import BaseCommand, CommandParser

from xuedang.demo import builder as demo
from xuedang.registry.models import Enrollment


class Command(BaseCommand):
    help = "生成演示数据 / create realistic synthetic demo data (never in production)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=1000)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the registry already holds enrollments"
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: object, students: int, if_empty: bool, seed: int, **options: object) -> None:
        if if_empty and Enrollment.objects.exists():
            self.stdout.write("已有数据，跳过 / data present, nothing seeded")
            return
        demo.seed_staff()
        made = demo.seed_students(students, seed=seed)
        demo.seed_student_login()
        self.stdout.write(self.style.SUCCESS(f"已生成 {made} 名学生 / seeded {made} students"))
