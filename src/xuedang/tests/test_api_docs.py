"""The API documentation works offline and says what every operation answers (issue 19 item 7,
decision 0028); schemathesis, with all its checks, finds no operation answering otherwise."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks

from xuedang.conftest import login, make_enrollment

pytestmark = pytest.mark.django_db


def test_the_docs_page_loads_swagger_ui_from_this_server_only() -> None:
    page = Client().get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert "/static/ninja/swagger-ui.css" in sources
    assert all(source.startswith("/") for source in sources), sources  # no CDN, nothing off-site
    assert "<script>" not in page  # the settings travel as JSON, no inline script (CSP)
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js"):
        assert finders.find(f"ninja/{name}"), name


def _schema() -> dict:
    return Client().get("/api/v1/openapi.json").json()


def test_every_operation_documents_its_errors_and_enumerations() -> None:
    schema = _schema()
    answers = {
        (path, method): {int(code) for code in operation["responses"]}
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    assert answers == {
        ("/api/v1/institutions/{code}", "get"): {200, 404, 422},
        ("/api/v1/institutions", "get"): {200, 422},
        ("/api/v1/enrollments/{pk}", "get"): {200, 401, 403, 404, 422},
        ("/api/v1/school/imports", "post"): {202, 400, 401, 413, 422, 429},
        ("/api/v1/school/imports/{job_id}", "get"): {200, 401, 404, 422, 429},
        ("/api/v1/verify/reports", "post"): {200, 401, 413, 422, 429},
    }
    errors = schema["paths"]["/api/v1/school/imports"]["post"]["responses"]
    assert errors["429"]["headers"]["Retry-After"]
    assert errors["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    body = schema["paths"]["/api/v1/school/imports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert "credential_updates" in body["schema"]["properties"]["kind"]["enum"]
    components = schema["components"]["schemas"]
    assert "failed" in components["JobOut"]["properties"]["state"]["enum"]
    assert "graduated" in components["EnrollmentOut"]["properties"]["state"]["enum"]
    assert "revoked" in components["ResultOut"]["properties"]["status"]["enum"]


# --- schemathesis: every operation, generated inputs valid and invalid, all checks ------------------


@pytest.fixture
def api_schema(registrar, settings):
    """The live OpenAPI document of this server, called in-process (WSGI), with real credentials:
    a school key, an organisation key, and a staff session for the session-authenticated route."""
    from xuedang.institutions.models import Institution
    from xuedang.institutions.services import api_key_issue
    from xuedang.reports.services import organisation_register, verifier_key_issue

    settings.ALLOWED_HOSTS = ["*"]
    settings.API_KEY_RATE = "100000/m"  # the rate limit has its own tests; here it would only end the run early
    cache.clear()
    make_enrollment()
    school_key = api_key_issue(actor=None, institution=Institution.objects.get(code="10001"), name="教务系统")[1]
    organisation = organisation_register(actor=None, name="某某科技有限公司")
    organisation_key = verifier_key_issue(actor=None, organisation=organisation, name="HR 系统")[1]
    session = login(registrar).cookies["sessionid"].value
    # In-process WSGI calls end with request_finished, which closes the database connection (and
    # with it the test's transaction on PostgreSQL); Django's test client unhooks it the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    loaded.credentials = {  # type: ignore[attr-defined]
        "/api/v1/school/": {"headers": {"Authorization": f"Bearer {school_key}"}},
        "/api/v1/verify/": {"headers": {"Authorization": f"Bearer {organisation_key}"}},
        "/api/v1/enrollments/": {"cookies": {"sessionid": session}},
    }
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


OPERATIONS = [
    ("GET", "/api/v1/institutions/{code}"),
    ("GET", "/api/v1/institutions"),
    ("GET", "/api/v1/enrollments/{pk}"),
    ("POST", "/api/v1/school/imports"),
    ("GET", "/api/v1/school/imports/{job_id}"),
    ("POST", "/api/v1/verify/reports"),
]


load_all_checks()
ALL_CHECKS = CHECKS.get_all()  # not only the configured defaults: every built-in check


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_the_api_answers_as_documented(api_schema, method: str, path: str) -> None:
    """Schemathesis' own pytest plugin does not run under pytest 9 (its lazy fixture reads a
    private attribute), so each operation's strategy is driven by hypothesis here."""
    operation = api_schema[path][method]
    credentials = next((c for prefix, c in api_schema.credentials.items() if path.startswith(prefix)), {})

    @given(case=operation.as_strategy())
    @settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
    def run(case) -> None:
        case.call_and_validate(checks=ALL_CHECKS, **credentials)

    run()


def test_a_nul_in_a_query_matches_nothing_rather_than_failing() -> None:
    """Found by schemathesis in the PostgreSQL pass: PostgreSQL refuses a NUL in a query (500)."""
    client = Client()
    assert client.get("/api/v1/institutions", {"q": "北京\x00"}).json() == []
    assert client.get("/api/v1/institutions/10001%00").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_shows_every_operation_with_the_internet_cut_off(live_server, browser) -> None:
    page = browser.new_page()
    outside: list[str] = []

    def only_this_server(route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == len(OPERATIONS)
    assert outside == []
    assert refused == []  # nothing blocked by the Content-Security-Policy either
