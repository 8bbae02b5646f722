"""Every URL and API route, walked by every actor (STYLE.md: one matrix test).

A new route must be added to ROUTES, or `test_every_route_is_in_the_matrix` fails. Forbidden
and missing records give the same 404, so nobody learns that a record exists.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from xuedang.conftest import login, make_enrollment

ACTORS = [
    "anonymous",
    "centre_admin",
    "province_officer",
    "registrar",
    "other_school_registrar",
    "student",
    "other_student",
    "employer",
]
STAFF_IN_SCOPE = {"centre_admin", "province_officer", "registrar"}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


def scoped(*, anonymous: int) -> dict[str, int]:
    """A record at the registrar's school: in-scope staff 200, everyone else the missing-record 404."""
    return {actor: 200 if actor in STAFF_IN_SCOPE else 404 for actor in ACTORS} | {"anonymous": anonymous}


def staff_page(*, anonymous: int = 302) -> dict[str, int]:
    staff = STAFF_IN_SCOPE | {"other_school_registrar"}
    return {actor: 200 if actor in staff else 404 for actor in ACTORS} | {"anonymous": anonymous}


def registrars(*, own_only: bool) -> dict[str, int]:
    """Registering is the school's duty: centre and province staff are not registrars."""
    allowed = {"registrar"} if own_only else {"registrar", "other_school_registrar"}
    return {actor: 200 if actor in allowed else 404 for actor in ACTORS} | {"anonymous": 302}


# --- archive (学信档案) ---------------------------------------------------------------------------
# A student's pages: the bound student 200; everyone else the missing-record 404; an anonymous
# visitor the login redirect, exactly as for a missing record (MISSING below).
ARCHIVE_STUDENT_PAGES = {
    "archive/": "/archive/",
    "archive/photos/": "/archive/photos/",
    "archive/bind/credential/": "/archive/bind/credential/",
    "archive/bind/enrollment/": "/archive/bind/enrollment/",
    "archive/corrections/": "/archive/corrections/",
    "archive/access/": "/archive/access/",
    "archive/notifications/": "/archive/notifications/",
    "archive/export.json": "/archive/export.json",
    "archive/export.pdf": "/archive/export.pdf",
    "archive/print.pdf": "/archive/print.pdf",
    "archive/identity/": "/archive/identity/",
}


def own_archive() -> dict[str, int]:
    """Every student has an archive of their own (empty or not)."""
    return {actor: 200 if actor in ("student", "other_student") else 404 for actor in ACTORS} | {"anonymous": 302}


def owner_only() -> dict[str, int]:
    return {actor: 200 if actor == "student" else 404 for actor in ACTORS} | {"anonymous": 302}


def queue_page() -> dict[str, int]:
    """The school's and province's queues: registrars and approvers; the centre's user admin is neither."""
    return registrars(own_only=False) | {"province_officer": 200}


def supervisors() -> dict[str, int]:
    """A province's dashboard: its province's staff and the centre's."""
    return everyone(404) | {"anonymous": 302, "centre_admin": 200, "province_officer": 200}


def nobody() -> dict[str, int]:
    return everyone(404) | {"anonymous": 302}


def account_page() -> dict[str, int]:
    """A student's own account page: staff accounts are managed by the centre, not here."""
    staff = {"centre_admin", "province_officer", "registrar", "other_school_registrar"}
    return {actor: 404 if actor in staff else 200 for actor in ACTORS} | {"anonymous": 302}


def appeal_reviewers() -> dict[str, int]:
    """Identity appeals: centre user administrators and approvers only."""
    return {actor: 404 for actor in ACTORS} | {"anonymous": 302, "centre_admin": 200}


def user_admins() -> dict[str, int]:
    """Staff pages: the centre's user administrator among the actors (the others administer nobody)."""
    return {actor: 404 for actor in ACTORS} | {"anonymous": 302, "centre_admin": 200}


def own_reports(status: int) -> dict[str, int]:
    """Any student's own reports page: students `status`, staff and the employer 404, anonymous to login."""
    return {actor: status if actor in {"student", "other_student"} else 404 for actor in ACTORS} | {"anonymous": 302}


def own_report(status: int) -> dict[str, int]:
    """The student's report: the student `status`, everyone else the missing-record 404."""
    return own_reports(404) | {"student": status}


# route pattern → (URL with {pk} for the registrar's enrollment, {job} for the registrar's import job,
# expected status per actor)
ROUTES: dict[str, tuple[str, dict[str, int]]] = {
    "": ("/", everyone(200)),
    "start/": ("/start/", everyone(302)),
    "i18n/setlang/": (
        "/i18n/setlang/",
        everyone(302),
    ),  # sets the language on POST; a GET goes back  # the landing after sign-in: each to their own (navigation.py)
    "healthz": ("/healthz", everyone(200)),
    "readyz": ("/readyz", everyone(200)),
    # the test client is 127.0.0.1, inside METRICS_NETWORKS; other addresses: core/tests/test_health.py
    "metrics": ("/metrics", everyone(200)),
    "login/": ("/login/", everyone(200)),
    "logout/": ("/logout/", everyone(405)),
    "school/enrollments/": ("/school/enrollments/", staff_page()),
    "school/semester-starts/": ("/school/semester-starts/?institution=10001", scoped(anonymous=302)),
    # supervision dashboards (issue 14): the province's and the centre's; an institution's figures for its scope
    "supervision/": ("/supervision/", everyone(404) | {"anonymous": 302, "centre_admin": 302, "province_officer": 302}),
    # 教育统计: everyone with a staff scope reads their own scope's statistics (small cells suppressed outside it)
    "supervision/statistics/": ("/supervision/statistics/?scope=institution:10001", scoped(anonymous=302)),
    "supervision/centre/": ("/supervision/centre/", everyone(404) | {"anonymous": 302, "centre_admin": 200}),
    "supervision/centre/export.xlsx": (
        "/supervision/centre/export.xlsx",
        everyone(404) | {"anonymous": 302, "centre_admin": 200},
    ),
    "supervision/province/<str:province>/": ("/supervision/province/11/", supervisors()),
    "supervision/province/<str:province>/export.xlsx": ("/supervision/province/11/export.xlsx", supervisors()),
    "supervision/institutions/<str:code>/": ("/supervision/institutions/10001/", scoped(anonymous=302)),
    "supervision/institutions/<str:code>/<str:figure>/": (
        "/supervision/institutions/10001/annual_missing/",
        scoped(anonymous=302),
    ),
    "supervision/institutions/<str:code>/<str:figure>/export.xlsx": (
        "/supervision/institutions/10001/annual_missing/export.xlsx",
        scoped(anonymous=302),
    ),
    "school/enrollments/<int:pk>/": ("/school/enrollments/{pk}/", scoped(anonymous=302)),
    "school/enrollments/export.<str:fmt>": ("/school/enrollments/export.csv", staff_page()),
    "school/enrollments/new/": ("/school/enrollments/new/", registrars(own_only=False)),
    "school/transfers/new/": ("/school/transfers/new/", registrars(own_only=False)),
    # 转学申请: the registrar's school receives a student of the other school, which has agreed; the
    # province officer (北京) is the receiving province. Anyone else gets the missing-record 404.
    "school/transfers/": ("/school/transfers/", queue_page()),
    "school/transfers/<int:pk>/": (
        "/school/transfers/{transfer}/",
        nobody() | {"registrar": 200, "other_school_registrar": 200, "province_officer": 200},
    ),
    "school/enrollments/<int:pk>/cancel/": ("/school/enrollments/{pk}/cancel/", registrars(own_only=True)),
    "school/enrollments/<int:pk>/correct/": ("/school/enrollments/{pk}/correct/", registrars(own_only=True)),
    "school/enrollments/<int:pk>/annual/": ("/school/enrollments/{pk}/annual/", registrars(own_only=True)),
    "school/admissions/": ("/school/admissions/", registrars(own_only=False)),
    "school/admissions/<int:pk>/": ("/school/admissions/{admission}/", registrars(own_only=True)),
    # 录取数据更正 (第十条): the school files; its staff, its province and the centre read
    "school/admissions/<int:pk>/correct/": ("/school/admissions/{admission}/correct/", registrars(own_only=True)),
    "school/admission-corrections/": ("/school/admission-corrections/", staff_page()),
    "school/admission-corrections/<int:pk>/": (
        "/school/admission-corrections/{admission_correction}/",
        scoped(anonymous=302),
    ),
    "school/admission-corrections/<int:pk>/evidence": (
        "/school/admission-corrections/{admission_correction}/evidence",
        scoped(anonymous=302),
    ),
    # 资格复查例外 (decision 0026): every staff member sees their scope's requests; deciding is a POST
    "school/waivers/": ("/school/waivers/", staff_page()),
    "school/waivers/<int:pk>/decide/": ("/school/waivers/1/decide/", everyone(405)),
    # 录取批次: reviewed by the province's approvers, then the centre's (the centre's user admin is neither)
    "school/admission-batches/": (
        "/school/admission-batches/",
        everyone(404) | {"anonymous": 302, "province_officer": 200},
    ),
    "school/admission-batches/<int:pk>/": (
        "/school/admission-batches/{admission_batch}/",
        everyone(404) | {"anonymous": 302, "province_officer": 200},
    ),
    "school/enrollments/<int:pk>/change/": ("/school/enrollments/{pk}/change/", registrars(own_only=True)),
    "school/enrollments/<int:pk>/credential/": ("/school/enrollments/{pk}/credential/", registrars(own_only=True)),
    "school/credentials/<int:pk>/": ("/school/credentials/{credential}/", scoped(anonymous=302)),
    "school/credentials/<int:pk>/edit/": ("/school/credentials/{credential}/edit/", registrars(own_only=True)),
    "school/credentials/<int:pk>/annotate/": ("/school/credentials/{credential}/annotate/", registrars(own_only=True)),
    "school/credentials/<int:pk>/revoke/": ("/school/credentials/{credential}/revoke/", registrars(own_only=True)),
    # 撤销申请: the filing school's registrars and the approvers of its province (北京) only.
    "school/photos/": ("/school/photos/", registrars(own_only=False)),
    "school/credentials/unpublished/": ("/school/credentials/unpublished/", registrars(own_only=False)),
    "school/revocations/": ("/school/revocations/", queue_page()),
    # 校（院）长任期: user administrators (here the centre's) only
    "school/institutions/names/": ("/school/institutions/names/", user_admins()),
    "school/presidents/": ("/school/presidents/", nobody() | {"centre_admin": 200}),
    "school/revocations/<int:pk>/": (
        "/school/revocations/{revocation}/",
        nobody() | {"registrar": 200, "province_officer": 200},
    ),
    "school/credentials/publish/": ("/school/credentials/publish/", registrars(own_only=False)),
    "school/credentials/publish/<int:pk>/": ("/school/credentials/publish/{publication}/", registrars(own_only=True)),
    "school/enrollments/<int:pk>/note/": ("/school/enrollments/{pk}/note/", registrars(own_only=True)),
    "school/late/": ("/school/late/", staff_page()),
    "school/imports/": ("/school/imports/", registrars(own_only=False)),
    "school/imports/template.<str:fmt>": ("/school/imports/template.xlsx", registrars(own_only=False)),
    "school/imports/<int:pk>/": ("/school/imports/{job}/", registrars(own_only=True)),
    "school/imports/<int:pk>/progress": ("/school/imports/{job}/progress", registrars(own_only=True)),
    "school/imports/<int:pk>/errors.xlsx": ("/school/imports/{job}/errors.xlsx", registrars(own_only=True)),
    "api/v1/institutions": ("/api/v1/institutions?province=11", everyone(200)),
    "api/v1/institutions/<code>": ("/api/v1/institutions/10001", everyone(200)),
    "api/v1/enrollments/<pk>": ("/api/v1/enrollments/{pk}", scoped(anonymous=401)),
    # School systems authenticate with an institution API key (imports/tests/test_api.py), never a session
    "api/v1/school/imports": ("/api/v1/school/imports", everyone(405)),  # POST only
    "api/v1/school/imports/<job_id>": ("/api/v1/school/imports/{job}", everyone(401)),
    "api/v1/openapi.json": ("/api/v1/openapi.json", everyone(200)),
    "api/v1/docs": ("/api/v1/docs", everyone(200)),
    "api/v1/": ("/api/v1/", everyone(404)),  # django-ninja's root: a redirect only under DEBUG
    "admin/": ("/admin/", {a: 302 for a in ACTORS} | {"centre_admin": 200}),
    # --- archive (学信档案): the student's own pages, the school's and province's queues ---
    **{route: (url, own_archive()) for route, url in ARCHIVE_STUDENT_PAGES.items()},
    "archive/enrollments/<int:pk>/": ("/archive/enrollments/{pk}/", owner_only()),
    "archive/credentials/<int:pk>/": ("/archive/credentials/{credential}/", owner_only()),
    "archive/admissions/<int:pk>/": ("/archive/admissions/{own_admission}/", owner_only()),
    "archive/photos/<int:pk>/": ("/archive/photos/{photo}/", owner_only()),
    "archive/photos/<int:pk>/answer/": ("/archive/photos/{photo}/answer/", everyone(405)),  # POST only
    "archive/corrections/new/<str:kind>/<int:pk>/": ("/archive/corrections/new/enrollment/{pk}/", owner_only()),
    "archive/corrections/<int:pk>/": ("/archive/corrections/{correction}/", owner_only()),
    "school/archive/photo-disputes/": ("/school/archive/photo-disputes/", queue_page()),
    "school/archive/photo-disputes/<int:pk>/": ("/school/archive/photo-disputes/{dispute}/", registrars(own_only=True)),
    "school/archive/photo-disputes/<int:pk>/photo": (
        "/school/archive/photo-disputes/{dispute}/photo",
        registrars(own_only=True),
    ),
    "school/archive/corrections/": ("/school/archive/corrections/", queue_page()),
    "school/archive/corrections/<int:pk>/": ("/school/archive/corrections/{correction}/", registrars(own_only=True)),
    "school/archive/corrections/<int:pk>/evidence": (
        "/school/archive/corrections/{correction}/evidence",
        registrars(own_only=True),
    ),
    # Former identities are decided by the centre's approvers; none of the fixed actors is one.
    "school/archive/identities/": ("/school/archive/identities/", nobody()),
    "school/archive/identities/<int:pk>/": ("/school/archive/identities/{former}/", nobody()),
    "school/archive/identities/<int:pk>/evidence": ("/school/archive/identities/{former}/evidence", nobody()),
    # Student accounts (accounts app): own pages for non-staff logins; appeals for centre reviewers
    "account/": ("/account/", account_page()),
    "account/register/": ("/account/register/", everyone(200)),
    "account/register/confirm/": ("/account/register/confirm/", everyone(302)),  # nothing to confirm yet
    "account/register/done/": ("/account/register/done/", everyone(302)),
    "account/login/totp/": ("/account/login/totp/", everyone(302)),  # no password step passed
    "account/login/recovery-codes/": ("/account/login/recovery-codes/", everyone(302)),  # shown once, after enrolment
    "account/email/": ("/account/email/", account_page()),
    "account/email/activate/<str:token>/": ("/account/email/activate/not-a-token/", everyone(400)),
    "account/password/": ("/account/password/", account_page()),
    "account/password/reset/": ("/account/password/reset/", everyone(200)),
    "account/password/reset/email/": ("/account/password/reset/email/", everyone(200)),
    "account/password/reset/<str:uidb64>/<str:token>/": ("/account/password/reset/MQ/not-a-token/", everyone(400)),
    "account/username/": ("/account/username/", everyone(200)),
    "account/phone/": ("/account/phone/", account_page()),
    "account/history/": ("/account/history/", account_page()),
    "account/sessions/": ("/account/sessions/", account_page()),
    "account/two-factor/": ("/account/two-factor/", account_page()),
    "account/cancel/": ("/account/cancel/", account_page()),
    # checked students see "already checked"; the employer login has no ID, so it is sent to the appeal page
    "account/identity-challenge/": ("/account/identity-challenge/", account_page() | {"employer": 302}),
    # students with an ID go back to their profile; an account without one may start an appeal
    "account/appeal/": ("/account/appeal/", account_page() | {"student": 302, "other_student": 302}),
    # Staff pages: user administrators, for the people of the scopes they administer (issue 13)
    "account/staff/": ("/account/staff/", user_admins()),
    "account/staff/invite/": ("/account/staff/invite/", user_admins()),
    "account/staff/security/": ("/account/staff/security/", staff_page()),  # every staff member's own
    "account/staff/password/": ("/account/staff/password/", staff_page()),
    # the province officer is centre-administered; anyone else's staff page is the missing-record 404
    "account/staff/<int:pk>/": ("/account/staff/{province_officer}/", user_admins()),
    "account/staff/invitations/<int:pk>/withdraw/": (
        "/account/staff/invitations/{invitation}/withdraw/",
        everyone(405),
    ),
    "account/invitation/<str:token>/": ("/account/invitation/not-a-token/", everyone(404)),
    "account/appeals/": ("/account/appeals/", appeal_reviewers()),
    "account/appeals/<int:pk>/": ("/account/appeals/{appeal}/", appeal_reviewers()),
    "account/appeals/<int:pk>/photo": ("/account/appeals/{appeal}/photo", appeal_reviewers()),
    # an unknown or used captcha is gone (410)
    "captcha/image/(?P<key>\\w+)/": ("/captcha/image/unknown/", everyone(410)),
    "captcha/image/(?P<key>\\w+)@2/": ("/captcha/image/unknown@2/", everyone(410)),
    # the spoken captcha (flite, installed by `make debs`): ours, rate limited, in front of captcha's own
    "captcha/audio/(?P<key>\\w+)\\.wav": ("/captcha/audio/unknown.wav", everyone(410)),
    "captcha/audio/(?P<key>\\w+).wav": ("/captcha/audio/unknown.wav", everyone(410)),
    # Verification reports (reports app): public verification, the student's own reports, the employer API.
    "verify/": ("/verify/", everyone(200)),
    "verify/lookup/": ("/verify/lookup/", everyone(200)),
    "verify/<str:code>": ("/verify/{report_code}", everyone(200)),
    "verify/<str:code>/photo": ("/verify/{report_code}/photo", everyone(200)),
    "archive/reports/": ("/archive/reports/", own_reports(200)),
    "archive/reports/<int:pk>/extend/": ("/archive/reports/{report}/extend/", own_reports(405)),  # POST only
    "archive/reports/<int:pk>/close/": ("/archive/reports/{report}/close/", own_reports(405)),
    "archive/reports/<int:pk>/replace/": ("/archive/reports/{report}/replace/", own_reports(405)),
    # The signed PDF of the student's active report (its content is tested in reports/tests/test_download.py).
    "archive/reports/<int:pk>/download/": ("/archive/reports/{report}/download/", own_report(200)),
    "archive/reports/<int:pk>/print/": ("/archive/reports/{report}/print/", own_report(200)),
    "archive/reports/<int:pk>/qr.svg": ("/archive/reports/{report}/qr.svg", own_report(200)),
    "api/v1/verify/reports": ("/api/v1/verify/reports", everyone(405)),  # POST only, with an organisation key
    "captcha/refresh/": ("/captcha/refresh/", everyone(404)),  # answers XMLHttpRequest only
    # 自考办 pages (decision 0029): the 自考办 of the credential's province, the national one and centre
    # staff reading; none of the fixed actors is 自考办 staff (certification/tests/test_self_study_pages.py).
    "self-study/": ("/self-study/", nobody() | {"centre_admin": 200}),
    "self-study/template.csv": ("/self-study/template.csv", nobody() | {"centre_admin": 200}),
    "self-study/<int:pk>/": ("/self-study/{self_study}/", nobody() | {"centre_admin": 200}),
    "self-study/<int:pk>/photo/": ("/self-study/{self_study}/photo/", nobody()),
    "self-study/<int:pk>/publish/": ("/self-study/{self_study}/publish/", nobody()),
    "self-study/<int:pk>/correct/": ("/self-study/{self_study}/correct/", nobody()),
    # 补录 batches: the school's staff and its province's and the centre's (reading); the province decides
    "back-registration/": ("/back-registration/", staff_page()),
    "back-registration/template.csv": ("/back-registration/template.csv", staff_page()),
    "back-registration/<int:pk>/": ("/back-registration/{back_registration}/", scoped(anonymous=302)),
    # 学历认证: the applicant's own progress page only (decision 0030)
    "certification/<int:pk>/": ("/certification/{application}/", owner_only()),
    "certification/": ("/certification/", everyone(200) | {"anonymous": 302}),
    "certification/apply/": ("/certification/apply/", everyone(200) | {"anonymous": 302}),
    # the signed 认证报告: the applicant only, once approved (certification/tests/test_authentication_report.py)
    "certification/<int:pk>/report-<str:lang>.pdf": ("/certification/{application}/report-zh.pdf", nobody()),
    "certification/verify/": ("/certification/verify/", everyone(200)),
    # paying: the applicant only (no fee waiting here: back to the progress page); Alipay's
    # notification is POST only and 404 unless the Alipay backend is configured (test_alipay.py)
    "certification/<int:pk>/pay/": ("/certification/{application}/pay/", owner_only() | {"student": 302}),
    "certification/payments/alipay/notify": ("/certification/payments/alipay/notify", everyone(405)),
    "certification/payments/wechat/notify": ("/certification/payments/wechat/notify", everyone(405)),
    # a scan: the applicant, the centre's reviewers (none of the fixed actors), the school asked to
    # check it and that school's province (as for the check page); never public
    "certification/<int:pk>/scans/<str:kind>": (
        "/certification/{application}/scans/certificate",
        scoped(anonymous=302) | {"centre_admin": 404, "student": 200},
    ),
    # the centre's reviewers are its approvers (none of the fixed actors); schools answer checks
    "certification/review/": ("/certification/review/", nobody()),
    "certification/review/<int:pk>/": ("/certification/review/{application}/", nobody()),
    "certification/checks/": ("/certification/checks/", queue_page()),
    "certification/checks/<int:pk>/": (
        "/certification/checks/{school_check}/",
        scoped(anonymous=302) | {"centre_admin": 404},
    ),
}
MISSING = {
    "self-study/<int:pk>/": "/self-study/999999/",
    "back-registration/<int:pk>/": "/back-registration/999999/",
    "certification/<int:pk>/": "/certification/999999/",
    "school/credentials/<int:pk>/": "/school/credentials/999999/",
    "school/admissions/<int:pk>/": "/school/admissions/999999/",
    "school/imports/<int:pk>/": "/school/imports/999999/",
    "school/enrollments/<int:pk>/": "/school/enrollments/999999/",
    "school/transfers/<int:pk>/": "/school/transfers/999999/",
    "school/revocations/<int:pk>/": "/school/revocations/999999/",
    "school/credentials/publish/<int:pk>/": "/school/credentials/publish/999999/",
    "api/v1/enrollments/<pk>": "/api/v1/enrollments/999999",
    "archive/enrollments/<int:pk>/": "/archive/enrollments/999999/",
    "archive/credentials/<int:pk>/": "/archive/credentials/999999/",
    "archive/admissions/<int:pk>/": "/archive/admissions/999999/",
    "archive/photos/<int:pk>/": "/archive/photos/999999/",
    "archive/corrections/<int:pk>/": "/archive/corrections/999999/",
    "archive/corrections/new/<str:kind>/<int:pk>/": "/archive/corrections/new/credential/999999/",
    "school/archive/photo-disputes/<int:pk>/": "/school/archive/photo-disputes/999999/",
    "school/archive/corrections/<int:pk>/": "/school/archive/corrections/999999/",
    "school/archive/corrections/<int:pk>/evidence": "/school/archive/corrections/999999/evidence",
    "school/archive/identities/<int:pk>/": "/school/archive/identities/999999/",
    "account/appeals/<int:pk>/": "/account/appeals/999999/",
    "archive/reports/<int:pk>/qr.svg": "/archive/reports/999999/qr.svg",
}


def _routes(patterns: list, prefix: str = "") -> list[str]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            route = prefix + str(entry.pattern)
            if route.startswith("admin/"):
                found.append("admin/")  # Django's own admin; its door is CentreAdminSite
                continue
            found.extend(_routes(entry.url_patterns, route))
        elif isinstance(entry, URLPattern):
            found.append(prefix + str(entry.pattern))
    return found


def test_every_route_is_in_the_matrix() -> None:
    routes = {r.lstrip("^").rstrip("$") for r in _routes(get_resolver().url_patterns)}
    assert routes == set(ROUTES), f"add to the matrix: {routes - set(ROUTES)}; stale: {set(ROUTES) - routes}"


@pytest.fixture
def actors(request: pytest.FixtureRequest) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for name in ACTORS[1:]:
        clients[name] = login(request.getfixturevalue(name))  # staff: two-step sign-in passed
    return clients


def _failed_import(registrar) -> int:
    """An import job at the registrar's school, with an error report to download."""
    from io import BytesIO

    from django.db import transaction

    from xuedang.imports.schemas import ENROLLMENT_COLUMNS
    from xuedang.imports.services import import_job_create, import_job_run
    from xuedang.institutions.models import Institution

    content = ",".join(c.zh for c in ENROLLMENT_COLUMNS) + "\n" + "," * (len(ENROLLMENT_COLUMNS) - 1) + "x\n"
    with transaction.atomic():
        job = import_job_create(
            actor=registrar,
            institution=Institution.objects.get(code="10001"),
            kind="enrollments",
            upload=BytesIO(content.encode()),
            filename="x.csv",
        )
    import_job_run(job_id=job.pk)
    return job.pk


def _self_study() -> int:
    """A draft 自考 credential registered by 北京's 自考办 (its 主考学校 is the registrar's school)."""
    from xuedang.registry.services import self_study_credentials_register

    row = {
        "certificate_number": "65110105251000127",
        "name": "赵六",
        "gender": "女",
        "birth_date": "1992-02-02",
        "document_number": "110105199202020020",
        "major_name": "汉语言文学",
        "level": "本科",
        "examining_institution": "10001",
        "study_start": "2021-04-10",
        "study_end": "2025-06-30",
    }
    return self_study_credentials_register(actor=None, province_code="11", rows=[(2, row)])[0].pk


def _back_registration(registrar) -> int:
    """A pending 补录 batch of the registrar's school."""
    from xuedang.institutions.models import Institution
    from xuedang.registry.services import back_registration_submit

    row = {
        "certificate_number": "NO.00298959",
        "name": "赵六",
        "gender": "女",
        "birth_date": "1972-02-02",
        "major_name": "中国语言文学",
        "level": "本科",
        "length_years": "4",
        "study_start": "1991-09-01",
        "study_end": "1995-07-01",
    }
    institution = Institution.objects.get(code="10001")
    return back_registration_submit(actor=registrar, institution=institution, rows=[(2, row)]).pk


def _application(student) -> int:
    """The student's 学历认证 application for a credential described, not in the registry."""
    from xuedang.certification.authentication import application_submit
    from xuedang.certification.tests.test_authentication import SCANS
    from xuedang.institutions.models import Institution

    return application_submit(
        applicant=student,
        scans=SCANS,
        report_zh=True,
        report_en=False,
        institution=Institution.objects.get(code="10001"),
        certificate_number="NO.00100001",
        graduation_year=1988,
    ).pk


def _school_check(application_pk: int) -> int:
    """The centre asks the registrar's school (北京大学) to confirm the student's application."""
    from xuedang.certification.authentication import application_accept, school_check_request
    from xuedang.certification.models import AuthenticationApplication
    from xuedang.conftest import _staff

    reviewer = _staff("centre_reviewer", "centre", "approver")
    application = AuthenticationApplication.objects.get(pk=application_pk)
    application_accept(actor=reviewer, application=application)
    return school_check_request(actor=reviewer, application=application).pk


def _credential(enrollment) -> int:
    from datetime import date

    from xuedang.registry.services import credential_register

    return credential_register(actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)).pk


def _publication(registrar) -> int:
    """A finished 发布到期学历 job of the registrar's school."""
    from datetime import date

    from xuedang.institutions.models import Institution
    from xuedang.registry.services import publication_job_start

    pku = Institution.objects.get(code="10001")
    return publication_job_start(actor=registrar, institution=pku, due_by=date(2025, 7, 1)).pk


def _admission() -> int:
    from datetime import date

    from xuedang.institutions.models import Institution
    from xuedang.registry.models import Admission

    return Admission.objects.create(
        exam_number="26110101000009",
        review="centre_approved",
        year=2026,
        institution=Institution.objects.get(code="10001"),
        province_code="11",
        major_code="080901",
        major_name="计算机科学与技术",
        level="05",
        study_form="1",
        admission_type="01",
        name="张三",
        gender="1",
        birth_date=date(2008, 1, 1),
    ).pk


def _admission_correction(registrar) -> int:
    """A correction filed by the registrar's school of one of its reviewed admissions (第十条)."""
    from xuedang.conftest import make_reviewed_admission
    from xuedang.registry.services import admission_correction_file

    return admission_correction_file(
        actor=registrar,
        admission=make_reviewed_admission(exam_number="26110101000077"),
        field="major_name",
        new_value="数学",
        reason="录入有误",
        evidence=b"%PDF-1.4\n",
        evidence_name="a.pdf",
    ).pk


def _admission_batch() -> int:
    """A submitted 录取 batch of the registrar's school, waiting for the province (issue 14)."""
    from xuedang.institutions.models import Institution
    from xuedang.registry.models import AdmissionBatch

    return AdmissionBatch.objects.create(institution=Institution.objects.get(code="10001")).pk


def _archive_ids(enrollment) -> dict[str, int]:
    """The student's photo (disputed), an admission and a correction, and a former-identity request."""
    from xuedang.accounts.models import User
    from xuedang.archive import services as archive
    from xuedang.archive.tests.helpers import PDF, jpeg
    from xuedang.registry.models import Admission
    from xuedang.registry.services import photo_register

    student = User.objects.get(username="student")
    admission = Admission.objects.create(
        exam_number="21110101000010",
        review="centre_approved",
        year=2021,
        institution=enrollment.institution,
        province_code="11",
        major_code="080901",
        major_name="计算机科学与技术",
        level="05",
        study_form="1",
        admission_type="01",
        name=student.real_name,
        gender="2",
        birth_date=enrollment.birth_date,
        identity_digest=student.identity_digest,
    )
    archive.bindings_refresh(user=student)
    photo = photo_register(actor=None, enrollment=enrollment, purpose="graduation", image=jpeg())
    dispute = archive.photo_check_answer(user=student, photo=photo, verdict="wrong", reason="不是本人")
    correction = archive.correction_file(
        user=student,
        record=enrollment,
        field="major_name",
        new_value="软件工程",
        reason="转专业",
        evidence=PDF,
        evidence_name="a.pdf",
    )
    former = archive.former_identity_request(
        user=student, name="吉小𠮷", document_number="", reason="更名", evidence=PDF, evidence_name="a.pdf"
    )
    return {
        "own_admission": admission.pk,
        "photo": photo.pk,
        "dispute": dispute.pk,
        "correction": correction.pk,
        "former": former.pk,
    }


def _transfer() -> int:
    """A 转学申请 into the registrar's school (10001) from the other school (10246), which agreed."""
    from datetime import date

    from xuedang.accounts.models import User
    from xuedang.institutions.models import Institution
    from xuedang.registry import services

    make_enrollment(school="10246", student_number="FDU210009", name="王五", document_number="310104199909094569")
    transfer = services.transfer_request_file(
        actor=User.objects.get(username="registrar"),
        to_institution=Institution.objects.get(code="10001"),
        from_code="10246",
        from_student_number="FDU210009",
        document_type="resident_id",
        document_number="310104199909094569",
        student_number="2301009",
        transfer_date=date(2023, 9, 1),
        decision_number="北大教〔2023〕9号",
        reason="本人申请",
    )
    return services.transfer_request_sending_answer(
        actor=User.objects.get(username="other_registrar"), transfer=transfer, agree=True
    ).pk


def _revocation(registrar) -> int:
    """A pending 撤销申请 of a published credential at the registrar's school."""
    from datetime import date

    from xuedang.registry import services
    from xuedang.registry.models import Credential

    enrollment = make_enrollment(student_number="PKU219", name="张三", document_number="440304200306151232")
    credential = services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)
    )
    Credential.objects.filter(pk=credential.pk).update(state="published")
    return services.revocation_file(
        actor=registrar, credential=credential, kind="credential", reason="学历造假", decision_number="北大〔2026〕1号"
    ).pk


def _invitation() -> int:
    from xuedang.accounts.models import User
    from xuedang.accounts.services.invitations import invitation_create

    invitation, _token = invitation_create(
        actor=User.objects.get(username="centre_admin"),
        real_name="赵处长",
        phone="13700137000",
        scope="province",
        province_code="11",
        roles=["approver"],
    )
    return invitation.pk


def _appeal() -> int:
    """A submitted identity appeal (the accounts app's fixture helper)."""
    from xuedang.accounts.tests.helpers import submitted_appeal

    return submitted_appeal().pk


def _reports(student, enrollment) -> dict[str, object]:
    """The student's active report (with a photo) and a closed one, and a captcha challenge."""
    from captcha.models import CaptchaStore

    from xuedang.archive.services import bindings_refresh
    from xuedang.registry.services import photo_register
    from xuedang.reports.services import report_close, report_create
    from xuedang.reports.tests.factories import photo_bytes

    if not enrollment.photos.exists():
        photo_register(actor=None, enrollment=enrollment, purpose="admission", image=photo_bytes())
    bindings_refresh(user=student)
    report = report_create(student=student, record=enrollment, lang="zh", months=3)
    closed = report_close(
        student=student, report=report_create(student=student, record=enrollment, lang="en", months=1)
    )
    return {
        "report": report.pk,
        "report_code": report.code,
        "closed_report": closed.pk,
        "captcha": CaptchaStore.generate_key(),
    }


@pytest.mark.django_db
def test_each_actor_gets_exactly_its_scope(actors: dict[str, Client], registrar, student) -> None:
    from xuedang.accounts.models import User

    enrollment = make_enrollment()
    job = _failed_import(registrar)
    admission = _admission()
    credential = _credential(enrollment)
    ids = {
        "pk": enrollment.pk,
        "job": job,
        "admission": admission,
        "credential": credential,
        "appeal": _appeal(),
        "transfer": _transfer(),
        "revocation": _revocation(registrar),
        "province_officer": User.objects.get(username="province_officer").pk,
        "invitation": _invitation(),
        "publication": _publication(registrar),
        "admission_batch": _admission_batch(),
        "admission_correction": _admission_correction(registrar),
    }
    ids |= _archive_ids(enrollment)
    ids |= _reports(student, enrollment)
    ids["self_study"] = _self_study()
    ids["back_registration"] = _back_registration(registrar)
    ids["application"] = _application(student)
    ids["school_check"] = _school_check(ids["application"])
    failures = []
    for url, expected in ROUTES.values():
        for actor, status in expected.items():
            got = actors[actor].get(url.format(**ids)).status_code
            if got != status:
                failures.append(f"{actor} GET {url}: {got}, expected {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_missing_records_look_exactly_like_forbidden_ones(actors: dict[str, Client]) -> None:
    for url in MISSING.values():
        for actor in ("centre_admin", "registrar", "other_school_registrar", "student"):
            assert actors[actor].get(url).status_code == 404
    for route, url in MISSING.items():  # archive: anonymous visitors get the same login redirect either way
        if "archive/" in route:
            assert actors["anonymous"].get(url).status_code == ROUTES[route][1]["anonymous"]


@pytest.mark.django_db
def test_staff_lists_show_only_their_scope(actors: dict[str, Client]) -> None:
    ours = make_enrollment(student_number="PKU210001")
    theirs = make_enrollment(
        school="10246", student_number="FDU210002", name="王五", document_number="310104199909094569"
    )
    seen = {
        actor: actors[actor].get("/school/enrollments/").content.decode()
        for actor in ("centre_admin", "province_officer", "registrar", "other_school_registrar")
    }
    assert ours.student_number in seen["registrar"]
    assert theirs.student_number not in seen["registrar"]
    assert theirs.student_number in seen["other_school_registrar"]
    assert ours.student_number not in seen["other_school_registrar"]
    assert ours.student_number in seen["province_officer"]  # 北京 covers 北京大学
    assert theirs.student_number not in seen["province_officer"]  # 复旦 is in 上海
    assert ours.student_number in seen["centre_admin"]
    assert theirs.student_number in seen["centre_admin"]
