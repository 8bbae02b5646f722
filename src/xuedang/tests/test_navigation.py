"""The menu-walk (issue 19 item 4): every actor of the access matrix signs in, follows every link of
its menu and of its home page, and meets no 403 or 404; each sees the menu of its own work."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from xuedang.conftest import PASSWORD, login, make_enrollment
from xuedang.tests.test_access_matrix import ACTORS

LINK = re.compile(r'<a href="(/[^"#]*)"')


def _menu(page: str) -> list[str]:
    nav = page.split('id="site-menu"', 1)[1].split("</nav>", 1)[0]
    return LINK.findall(nav)


def _home_links(page: str) -> list[str]:
    block = page.split('id="home-links"', 1)[1].split("</ul>", 1)[0]
    return LINK.findall(block)


# Each actor's menu must offer at least these (and the walk shows it offers nothing it may not use).
EXPECTED = {
    "anonymous": {"/verify/", "/verify/lookup/", "/account/register/"},
    "student": {"/archive/", "/archive/reports/", "/archive/notifications/", "/account/", "/verify/"},
    "other_student": {"/archive/", "/archive/reports/", "/account/"},
    "employer": {"/account/", "/verify/", "/verify/lookup/"},
    "registrar": {
        "/school/admissions/",
        "/school/imports/",
        "/school/enrollments/",
        "/school/transfers/",
        "/school/archive/corrections/",
        "/school/credentials/publish/",
        "/account/staff/security/",
    },
    "other_school_registrar": {"/school/admissions/", "/school/imports/"},
    "province_officer": {
        "/school/enrollments/",
        "/school/transfers/",
        "/school/revocations/",
        "/school/admission-batches/",
        "/supervision/",
    },
    "centre_admin": {"/account/staff/", "/account/appeals/", "/admin/", "/school/presidents/"},
}
# …and never these.
NEVER = {
    "anonymous": {"/archive/", "/school/enrollments/", "/account/"},
    "student": {"/school/enrollments/", "/school/imports/", "/admin/", "/account/register/"},
    "other_student": {"/school/enrollments/", "/admin/"},
    "employer": {"/archive/", "/archive/reports/", "/school/enrollments/"},
    "registrar": {"/archive/", "/account/", "/admin/", "/account/staff/", "/school/admission-batches/"},
    "other_school_registrar": {"/archive/", "/admin/"},
    "province_officer": {"/school/imports/", "/school/admissions/", "/school/credentials/publish/", "/admin/"},
    "centre_admin": {"/school/imports/", "/school/transfers/", "/archive/"},
}


@pytest.fixture
def clients(request: pytest.FixtureRequest) -> dict[str, Client]:
    found = {"anonymous": Client()}
    for name in ACTORS[1:]:
        found[name] = login(request.getfixturevalue(name))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_every_menu_and_home_link_of_every_actor_answers(actor: str, clients: dict[str, Client]) -> None:
    make_enrollment()  # the registrar's school has a record; the student (same identity) is bound to it
    client = clients[actor]
    home = client.get("/")
    assert home.status_code == 200
    page = home.content.decode()
    menu, links = _menu(page), _home_links(page)
    assert EXPECTED[actor] <= set(menu), f"{actor} misses {EXPECTED[actor] - set(menu)}"
    assert not NEVER[actor] & set(menu), f"{actor} is offered {NEVER[actor] & set(menu)}"
    walked = {}
    for url in dict.fromkeys(menu + links):
        response = client.get(url)
        walked[url] = response.status_code
        if response.status_code == 200 and url not in ("/verify/", "/admin/"):
            # every page of the menu carries the same menu (the public verification page, standalone
            # and query-free, has the public menu of its own; Django's admin site its own look)
            assert _menu(response.content.decode()) == menu, url
    assert not {url: s for url, s in walked.items() if s in (403, 404, 405) or s >= 500}, walked


@pytest.mark.django_db
def test_the_header_names_the_role(clients: dict[str, Client]) -> None:
    assert "注册员" in clients["registrar"].get("/").content.decode()
    assert "审核员" in clients["province_officer"].get("/").content.decode()
    assert "用户管理员" in clients["centre_admin"].get("/").content.decode()
    assert 'id="signed-in-role">学生' in clients["student"].get("/archive/").content.decode()


@pytest.mark.django_db
def test_a_student_lands_on_the_archive_after_signing_in(student) -> None:
    client = Client()
    response = client.post("/login/", {"username": student.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/archive/"
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_person_without_records_lands_on_the_account_and_staff_on_their_work(employer, registrar) -> None:
    assert login(employer).get("/start/")["Location"] == "/account/"
    assert login(registrar).get("/start/")["Location"] == "/"
    assert Client().get("/start/")["Location"] == "/"


@pytest.mark.django_db
def test_the_menu_costs_students_and_visitors_no_query(student, django_assert_num_queries) -> None:
    from django.test import RequestFactory

    from xuedang.navigation import menu_for, who

    request = RequestFactory().get("/")
    request.user = student
    with django_assert_num_queries(0):
        assert [link.url for link in menu_for(who(request.user))][:1] == ["/archive/"]


@pytest.mark.django_db
def test_a_student_lands_on_the_archive_after_the_identity_challenge(student, registrar) -> None:
    from xuedang.accounts.models import User
    from xuedang.archive.tests.test_challenge import RIGHT

    User.objects.filter(pk=student.pk).update(identity_checked_at=None)
    make_enrollment()
    client = login(student)
    assert client.get("/archive/")["Location"] == "/account/identity-challenge/"
    client.get("/account/identity-challenge/")
    response = client.post("/account/identity-challenge/", RIGHT, follow=True)
    assert [url for url, _ in response.redirect_chain] == ["/start/", "/archive/"]
    page = response.content.decode()
    # the archive links to what a student does with it
    for url in ("/archive/reports/", "/archive/notifications/", "/archive/corrections/", "/archive/access/"):
        assert f'href="{url}"' in page.split('id="archive-links"', 1)[1].split("</ul>", 1)[0], url


@pytest.mark.django_db
def test_a_new_student_without_records_is_told_what_happens_next(db) -> None:
    from xuedang.accounts.services import user_create

    user_create(
        actor=None,
        username="freshman",
        password=PASSWORD,
        real_name="新同学",
        document_type="resident_id",
        document_number="110105200801010014",
    )
    response = Client().post("/login/", {"username": "freshman", "password": PASSWORD}, follow=True)
    assert [url for url, _ in response.redirect_chain] == ["/start/", "/archive/", "/account/identity-challenge/"]
    page = response.content.decode()
    assert 'id="challenge-nothing"' in page
    assert "学校在学籍注册期限内为您注册学籍" in page  # the school registers them
    assert "手动绑定" in page  # and how records under another spelling are bound by hand
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]  # no identity check to fill in


@pytest.mark.django_db
def test_staff_land_on_their_queues_with_counts(clients: dict[str, Client], registrar) -> None:
    from xuedang.tests.test_access_matrix import _admission, _transfer

    _admission()  # 录取 data waiting for the registrar's school
    _transfer()  # a transfer into 北京, agreed by the sending school: waiting for the province
    registrar_home = clients["registrar"].get("/").content.decode()
    assert 'data-queue="admissions">1 ' in registrar_home
    assert 'data-queue="transfers">0 ' in registrar_home  # the province decides it, not the registrar
    province_home = clients["province_officer"].get("/").content.decode()
    assert 'data-queue="transfers">1 ' in province_home
    assert 'data-queue="admissions"' not in province_home
    assert 'data-queue="appeals">0 ' in clients["centre_admin"].get("/").content.decode()


@pytest.mark.django_db
def test_the_language_switch_is_remembered_after_sign_out(student) -> None:
    client = login(student)
    chinese = client.get("/archive/").content.decode()
    assert ">我的学信档案</a>" in chinese
    assert "My archive</a>" not in chinese  # one language at a time in the menu, not both
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/archive/"})
    assert response["Location"] == "/archive/"
    english = client.get("/archive/").content.decode()
    menu = english.split('id="site-menu"', 1)[1].split("</nav>", 1)[0]
    assert ">My archive</a>" in menu
    assert not re.search(r"[\u4e00-\u9fff]", menu)  # no Chinese left in the menu
    assert 'id="signed-in-role">student<' in english
    assert "Privacy notice" in english
    client.post("/logout/")
    after = client.get("/login/").content.decode()
    assert '<html lang="en">' in after
    assert "Sign in" in after.split("</header>", 1)[0]
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()
