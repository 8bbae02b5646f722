"""Navigation that fits the person (issue 19 item 4, decision 0016).

Each signed-in person sees the menu of what they may use: a student their archive and reports, a
school registrar the registering pages, a province approver the queues, a centre user
administrator the staff pages, a visitor the public verification. Each item is offered under the
same rule as the door of its page (`staff_view`, `staff_queue_view`, `archive_view`,
`appeal_reviewer` …), so a menu never leads to a 404; `tests/test_navigation.py` walks every
menu as every actor of the access matrix.

Above every app (like urls.py and api.py): apps never import this module; settings names the
context processor and urls.py the landing view. The menu costs at most one query (a staff
member's memberships), made only when a template asks for it, and none for students and
visitors. The public verification page is a Jinja2 page without context processors: it stays
as fast as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from xuedang.institutions.models import Membership, Role, Scope

REGISTERING = {Role.REGISTRAR.value}
QUEUES = {Role.REGISTRAR.value, Role.APPROVER.value}  # archive.access.staff_queue_view
READING = {Role.REGISTRAR.value, Role.APPROVER.value, Role.AUDITOR.value, Role.USER_ADMIN.value}


@dataclass(frozen=True)
class Who:
    """What the menu needs to know of a person: signed in, staff, student, and the staff roles."""

    authenticated: bool = False
    staff: bool = False
    student: bool = False  # has an identity, so an archive of their own (archive.access.archive_view)
    roles: frozenset[tuple[str, str]] = frozenset()  # (scope, role) of the active memberships
    label: tuple[str, str] = ("", "")  # (中文, English) of the role shown in the header

    def holds(self, roles: set[str], scope: str | None = None) -> bool:
        return any(role in roles and (scope is None or held_scope == scope) for held_scope, role in self.roles)


@dataclass(frozen=True)
class Item:
    url_name: str
    zh: str
    en: str
    show: Callable[[Who], bool]
    key: str = ""  # the count of open work shown beside it on the staff home page (`queue_counts`)


def _student(who: Who) -> bool:
    return who.authenticated and not who.staff and who.student


def _personal(who: Who) -> bool:
    return who.authenticated and not who.staff


def _anonymous(who: Who) -> bool:
    return not who.authenticated


MENU: tuple[Item, ...] = (
    # a student: the archive first (where they land), then what they do with it
    Item("archive:home", "我的学信档案", "My archive", _student),
    Item("reports:student_reports", "验证报告", "Verification reports", _student),
    Item("certification:application_list", "学历认证", "Credential authentication", _student),
    Item("archive:notifications", "通知", "Notifications", _student),
    Item("accounts:profile", "我的账号", "My account", _personal),
    # school registrars: the year's work in the order it comes
    Item("registry:admission_list", "新生录取", "Admissions", lambda w: w.holds(REGISTERING), "admissions"),
    Item("imports:import_list", "批量导入", "Imports", lambda w: w.holds(REGISTERING)),
    Item("registry:enrollment_list", "学籍查询", "Enrollments", lambda w: w.holds(READING)),
    Item("registry:semester_starts", "开学日期", "Semester starts", lambda w: w.holds(QUEUES)),
    Item("registry:transfer_list", "转学申请", "Transfers", lambda w: w.holds(QUEUES), "transfers"),
    Item("archive_school:corrections", "纠错申请", "Corrections", lambda w: w.holds(QUEUES), "corrections"),
    Item("archive_school:photo_disputes", "图像异议", "Photo disputes", lambda w: w.holds(QUEUES), "disputes"),
    Item("registry:revocation_list", "撤销申请", "Revocations", lambda w: w.holds(QUEUES), "revocations"),
    # 录取数据更正 (第十条) and 资格复查例外 (decision 0026): filed by schools, decided by provinces
    Item("registry:admission_correction_list", "录取更正", "Admission corrections", lambda w: w.holds(QUEUES)),
    Item("registry:waiver_list", "资格复查例外", "Eligibility waivers", lambda w: w.holds(QUEUES)),
    Item("registry:credentials_publish", "发布学历", "Publish credentials", lambda w: w.holds(REGISTERING)),
    Item("registry:photos_upload", "上传照片", "Upload photos", lambda w: w.holds(REGISTERING)),
    Item("registry:late_list", "逾期注册", "Late registrations", lambda w: w.holds(READING)),
    # 录取 review: the province's approvers, then the centre's (issue 14 item 1)
    Item(
        "registry:admission_batch_list",
        "录取审核",
        "Admission review",
        lambda w: (
            w.holds({Role.APPROVER.value}, Scope.PROVINCE.value) or w.holds({Role.APPROVER.value}, Scope.CENTRE.value)
        ),
    ),
    # provinces and the centre: supervision (supervision.access.supervisor_view)
    Item(
        "supervision:home",
        "监管统计",
        "Supervision",
        lambda w: w.holds(READING, Scope.PROVINCE.value) or w.holds(READING, Scope.CENTRE.value),
    ),
    # 自考办 (a province's office and the national office) and the centre overseeing them
    Item(
        "certification:self_study_list",
        "自考学历",
        "Self-study credentials",
        lambda w: w.holds(READING, Scope.SELF_STUDY.value) or w.holds(READING, Scope.CENTRE.value),
    ),
    # 学历认证: the centre's approvers decide; the schools answer the checks asked of them
    Item(
        "certification:review_list",
        "学历认证受理",
        "Authentication queue",
        lambda w: w.holds({Role.APPROVER.value}, Scope.CENTRE.value),
    ),
    Item(
        "certification:check_list",
        "学历认证核查",
        "Authentication checks",
        lambda w: w.holds(QUEUES, Scope.INSTITUTION.value) or w.holds(QUEUES, Scope.PROVINCE.value),
    ),
    # 补录 (1991–2001): the schools submit, their provinces decide, the centre reads
    Item(
        "certification:back_registration_list",
        "历史学历补录",
        "Back-registration",
        lambda w: any(w.holds(READING, s.value) for s in (Scope.INSTITUTION, Scope.PROVINCE, Scope.CENTRE)),
    ),
    # the centre: identities, appeals, staff, the administration site
    Item(
        "archive_school:former_identities",
        "曾用身份",
        "Former identities",
        lambda w: w.holds({Role.APPROVER.value}, Scope.CENTRE.value),
    ),
    Item(
        "accounts:appeal_queue",
        "身份申诉",
        "Identity appeals",
        lambda w: w.holds({Role.USER_ADMIN.value, Role.APPROVER.value}, Scope.CENTRE.value),
        "appeals",
    ),
    Item("accounts:staff_list", "工作人员", "Staff", lambda w: w.holds({Role.USER_ADMIN.value})),
    Item("registry:president_list", "校（院）长任期", "Presidents", lambda w: w.holds({Role.USER_ADMIN.value})),
    Item("admin:index", "管理后台", "Administration", lambda w: w.staff and any(s == Scope.CENTRE for s, _ in w.roles)),
    Item("accounts:staff_security", "账号安全", "Account security", lambda w: w.staff),
    # everyone: the public services
    Item("verify:verify", "在线验证", "Verify a report", lambda w: True),
    Item("verify:lookup", "零散查询", "Look up a credential", lambda w: True),
    Item("accounts:register", "注册账号", "Create an account", _anonymous),
)

ROLE_LABELS = {
    Role.REGISTRAR.value: ("注册员", "registrar"),
    Role.APPROVER.value: ("审核员", "approver"),
    Role.USER_ADMIN.value: ("用户管理员", "user administrator"),
    Role.AUDITOR.value: ("审计员", "auditor"),
}
SCOPE_LABELS = {
    Scope.CENTRE.value: ("中心", "centre"),
    Scope.PROVINCE.value: ("省级", "province"),
    Scope.SELF_STUDY.value: ("自考办", "self-study office"),
}


def who(user: Any) -> Who:
    if not getattr(user, "is_authenticated", False):
        return Who()
    if not user.is_staff:
        student = bool(user.identity_digest)
        return Who(
            authenticated=True,
            student=student,
            label=("学生", "student") if student else ("个人用户", "personal account"),
        )
    held = list(
        Membership.objects.filter(user=user, active=True).select_related("institution").order_by("scope", "role", "pk")
    )
    roles = frozenset((m.scope, m.role) for m in held)
    if held:
        first = held[0]
        place_zh, place_en = (
            (first.institution.name, first.institution.code)
            if first.institution is not None
            else SCOPE_LABELS.get(first.scope, ("", ""))
        )
        role_zh, role_en = ROLE_LABELS.get(first.role, (first.role, first.role))
        more = "…" if len({m.role for m in held}) > 1 or len(held) > 1 else ""
        label = (f"{place_zh} {role_zh}{more}", f"{place_en} {role_en}")
    else:
        label = ("工作人员", "staff")
    return Who(authenticated=True, staff=True, roles=roles, label=label)


@dataclass(frozen=True)
class Link:
    url: str
    zh: str
    en: str
    current: bool
    key: str
    count: int | None = None


def queue_counts(user: Any, person: Who) -> dict[str, int]:
    """The open work of each queue in the staff member's menu, one count query each (the home page
    only). The same filters as the queues' own pages, narrowed to what waits for this person."""
    from xuedang.accounts.access import may_review_appeals
    from xuedang.accounts.selectors import appeal_queue
    from xuedang.archive.selectors import corrections_waiting, photo_disputes_for
    from xuedang.registry.selectors import admissions_waiting, revocations_waiting, transfers_waiting

    counts: dict[str, int] = {}
    if person.holds(REGISTERING):
        counts["admissions"] = admissions_waiting(actor=user).count()
        counts["disputes"] = photo_disputes_for(actor=user).count()
    if person.holds(QUEUES):
        counts["transfers"] = transfers_waiting(actor=user).count()
        counts["corrections"] = corrections_waiting(actor=user).count()
    if person.holds({Role.APPROVER.value}):
        counts["revocations"] = revocations_waiting(actor=user).count()
    if may_review_appeals(user):
        counts["appeals"] = appeal_queue(actor=user).count()
    return counts


def menu_for(who: Who, path: str = "") -> list[Link]:
    links = [Link(reverse(item.url_name), item.zh, item.en, False, item.key) for item in MENU if item.show(who)]
    # the current page: the longest menu address the path starts with (never "/" for everything)
    best = max((link.url for link in links if link.url != "/" and path.startswith(link.url)), key=len, default="")
    return [Link(link.url, link.zh, link.en, link.url == best, link.key) for link in links]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `nav.who` and `nav.menu`, computed on first use only."""

    def build() -> dict[str, Any]:
        person = who(getattr(request, "user", None))
        return {"who": person, "menu": menu_for(person, request.path)}

    return {"nav": SimpleLazyObject(build), "service_contact_email": settings.SERVICE_CONTACT_EMAIL}


def landing_url(user: Any) -> str:
    """Where a person lands after signing in: a student on the archive, staff on their work
    (the home page lists their queues with counts), anyone else on their account."""
    if not getattr(user, "is_authenticated", False):
        return reverse("home")
    if user.is_staff:
        return reverse("home")
    if user.identity_digest:
        return reverse("archive:home")
    return reverse("accounts:profile")


def home(request: HttpRequest) -> HttpResponse:
    """The home page: for a visitor the public services, for a student their own pages, for staff
    their work queues with the number of items waiting for them (issue 19 item 4)."""
    person = who(request.user)
    links = menu_for(person, request.path)
    if person.staff:
        counts = queue_counts(request.user, person)
        links = [Link(link.url, link.zh, link.en, link.current, link.key, counts.get(link.key)) for link in links]
    return render(request, "core/home.html", {"links": links, "person": person})


def start(request: HttpRequest) -> HttpResponse:
    """/start/: the landing after sign-in (settings.LOGIN_REDIRECT_URL), per person."""
    return redirect(landing_url(request.user))
