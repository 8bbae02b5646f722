"""Issue 20's acceptance: no route answers 500 to hostile input.

Every route of the access matrix is opened by every actor who may see it; each form on the page
is posted back with hostile values in every text field (control characters, NUL, the rarest
accepted characters, 100,000-character strings) and hostile files in every file field (image
bombs, an XLSX that expands into a huge cell, a padded-dimension XLSX, a CSV wider than any
sheet, Shift-JIS bytes); every route also gets a body declared larger than it may take. Whatever
the route does with them, it answers below 500. Import jobs the walk created are then run: each
ends invalid, failed or done, never raising.
"""

from __future__ import annotations

import inspect
import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from xuedang.conftest import login, make_enrollment
from xuedang.core.tests.hostile import bomb_jpeg, bomb_png
from xuedang.imports.models import ImportJob, ImportState
from xuedang.imports.services import import_job_run
from xuedang.tests import test_access_matrix as matrix
from xuedang.tests.test_access_matrix import ACTORS, ROUTES

TEXTS = {
    "control": "张\x01三\x1b[2J",
    "nul": "张\x00三",
    "rare": "张\U00030ede\U0002ebf0",
    "long": "吉" * 100_000,
}


def _xlsx_with(sheet_xml: bytes | None = None, shared: bytes | None = None) -> bytes:
    workbook = Workbook()
    workbook.active.append(["姓名"])
    out = io.BytesIO()
    workbook.save(out)
    replaced = {}
    if sheet_xml is not None:
        replaced["xl/worksheets/sheet1.xml"] = sheet_xml
    if shared is not None:
        replaced["xl/sharedStrings.xml"] = shared
    result = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source, zipfile.ZipFile(result, "w", 8) as target:
        for info in source.infolist():
            target.writestr(info.filename, replaced.pop(info.filename, source.read(info.filename)))
        for name, data in replaced.items():
            target.writestr(name, data)
    return result.getvalue()


SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dim}"/>'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>{cells}</sheetData></worksheet>'
)
FILES = {
    "bomb-jpeg": ("bomb.jpg", bomb_jpeg()),
    "bomb-png": ("bomb.png", bomb_png()),
    "padded-xlsx": (
        "padded.xlsx",
        _xlsx_with(
            SHEET.format(dim="A1:XFD1048576", cells='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>').encode()
        ),
    ),
    "expanding-xlsx": (
        "expanding.xlsx",
        _xlsx_with(
            SHEET.format(dim="A1:A2", cells='<row r="2"><c r="A2" t="s"><v>0</v></c></row>').encode(),
            shared=(
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
                + "吉" * 3_000_000
                + "</t></si></sst>"
            ).encode(),
        ),
    ),
    "wide-csv": ("wide.csv", ("," * 200_000 + "\n").encode()),
    "shift-jis-csv": ("names.csv", "姓名,学号\n山田太郎,2021001\n".encode("shift_jis")),
    "control-csv": ("control.csv", "姓名,学号\n张\x01三,2021001\n".encode()),
}


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name → kind, value), as a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.forms.append({"action": a.get("action", ""), "fields": {}})
            else:
                self.forms.append({"action": None, "fields": {}})
            return
        if not self.forms or not a.get("name"):
            if tag == "option" and self._select and self.forms:
                self.forms[-1]["fields"].setdefault(self._select, ("select", a.get("value", "")))
            return
        fields = self.forms[-1]["fields"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                fields.setdefault(a["name"], ("choice", a.get("value", "on")))
            else:
                fields[a["name"]] = (kind, a.get("value", ""))
        elif tag == "textarea":
            fields[a["name"]] = ("text", "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            fields.setdefault(self._select, ("select", a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _payloads(fields: dict) -> list[tuple[str, dict]]:
    """One post per hostile text, each file field carrying a different hostile file."""
    has_file = any(kind == "file" for kind, _ in fields.values())
    files = list(FILES.items()) if has_file else [("", ("", b""))]
    out = []
    for n, (text_name, text) in enumerate(TEXTS.items()):
        for file_name, (filename, content) in files if n == 0 else files[:1]:
            data = {}
            for name, (kind, value) in fields.items():
                if kind in ("hidden", "select", "choice"):
                    data[name] = value
                elif kind == "file":
                    data[name] = SimpleUploadedFile(filename, content)
                else:
                    data[name] = text
            out.append((f"{text_name}+{file_name}" if file_name else text_name, data))
    return out


class _Ids(dict):
    """The records the matrix's URLs name. A key not built here is made by the matrix's own
    `_<key>` helper (so a route added to the matrix with its helper is walked too); a key with
    neither fails the test, asking for it."""

    def __init__(self, **people: object) -> None:
        super().__init__()
        self.people = people

    def __missing__(self, key: str) -> object:
        maker = getattr(matrix, f"_{key}", None)
        if maker is None:
            raise KeyError(f"the hostile walk cannot build {{{key}}}: add it to _ids")
        self[key] = maker(*(self.people[name] for name in inspect.signature(maker).parameters))
        return self[key]


def _ids(registrar, student) -> _Ids:
    from xuedang.accounts.models import User

    enrollment = make_enrollment()
    ids = _Ids(registrar=registrar, student=student, enrollment=enrollment)
    ids |= {
        "pk": enrollment.pk,
        "job": matrix._failed_import(registrar),
        "credential": matrix._credential(enrollment),
        "province_officer": User.objects.get(username="province_officer").pk,
    }
    ids |= matrix._archive_ids(enrollment)
    ids |= matrix._reports(student, enrollment)
    ids["school_check"] = matrix._school_check(ids["application"])  # the check of the student's application
    return ids


# Routes whose POST ends the actor's session or account: walked last, so the rest see a live login.
LAST = ("logout/", "account/cancel/")


@pytest.mark.django_db
def test_no_route_answers_500_to_hostile_input(request, registrar, student) -> None:
    clients = {"anonymous": Client()} | {name: login(request.getfixturevalue(name)) for name in ACTORS[1:]}
    for client in clients.values():
        client.raise_request_exception = False  # a crash must show as the 500 a user would get
    ids = _ids(registrar, student)
    routes = sorted(ROUTES.items(), key=lambda item: item[0] in LAST)
    failures, posted, files_posted = [], 0, 0
    for _, (url_template, expected) in routes:
        url = url_template.format_map(ids)
        for actor, status in expected.items():
            if status != 200 and actor != "anonymous":
                continue
            client = clients[actor]
            page = client.get(url)
            if page.status_code >= 500:
                failures.append(f"{actor} GET {url}: {page.status_code}")
                continue
            parser = _Forms()
            if "html" in page.get("Content-Type", ""):
                parser.feed(page.content.decode("utf-8", "replace"))
            targets = [
                (form["action"] or url, form["fields"])
                for form in parser.forms
                if form["action"] is not None and form["action"] != "/logout/"  # every page has it; walked last
            ]
            for action, fields in targets or [(url, {})]:  # routes without a form get a bare post
                for label, data in _payloads(fields or {"name": ("text", ""), "q": ("text", "")}):
                    got = client.post(action, data).status_code
                    posted += 1
                    files_posted += "+" in label
                    if got >= 500:
                        failures.append(f"{actor} POST {action} [{label}]: {got}")
    print(f"hostile walk: {posted} posts, {files_posted} with hostile files")
    assert posted > 200
    assert files_posted > 30
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_hostile_import_files_end_in_a_clear_state_never_an_exception(registrar, django_capture_on_commit_callbacks):
    from xuedang.institutions.models import Institution

    client = login(registrar)
    school = Institution.objects.get(code="10001")
    for filename, content in FILES.values():
        client.post(
            "/school/imports/",
            {"institution": school.pk, "kind": "enrollments", "file": SimpleUploadedFile(filename, content)},
        )
    jobs = list(ImportJob.objects.all())
    assert len(jobs) == len(FILES)
    for job in jobs:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.state in (ImportState.INVALID, ImportState.FAILED), (job.filename, job.state)
        assert job.message or job.errors
        assert " / " in (job.message or job.errors[0]["message"])


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_body_larger_than_its_route_takes_is_refused_before_it_is_read(route: str, client) -> None:
    url = re.sub(r"\{\w+\}", "1", ROUTES[route][0])  # no database: nothing past the check may run
    large = url.startswith(tuple(settings.LARGE_BODY_PATHS))
    declared = (settings.MAX_REQUEST_BODY_BYTES if large else settings.MAX_FORM_BODY_BYTES) + 1
    # The body is tiny; the test client's input raises if anything reads past it.
    response = client.post(url, b"x", content_type="application/octet-stream", CONTENT_LENGTH=str(declared))
    assert response.status_code == 413
    assert "上限" in response.content.decode()
