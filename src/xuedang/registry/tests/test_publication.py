"""One list of unpublished credentials with what each lacks; 发布到期学历 previews before it
publishes (issue 13 items 5 and 12)."""

from __future__ import annotations

from datetime import date

import pytest

from xuedang.conftest import login, make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.core.validators import compose_resident_id
from xuedang.institutions.models import Institution
from xuedang.institutions.services import president_appoint
from xuedang.registry import services
from xuedang.registry.models import Credential, CredentialState, PublicationJob
from xuedang.reports.tests.factories import photo_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafts():
    """Two drafts due 2025-07-01: one complete, one without a photo."""
    president_appoint(institution=Institution.objects.get(code="10001"), name="龚旗煌", start_date=date(2022, 10, 1))
    complete = make_enrollment(student_number="S1")
    photo = services.photo_register(actor=None, enrollment=complete, purpose="graduation", image=photo_bytes())
    lacking = make_enrollment(student_number="S2", document_number="440304200306151232", name="张三")
    return [
        services.credential_register(
            actor=None, enrollment=complete, kind="graduation", study_end=date(2025, 7, 1), photo=photo
        ),
        services.credential_register(actor=None, enrollment=lacking, kind="graduation", study_end=date(2025, 7, 1)),
    ]


def test_the_unpublished_list_says_what_each_credential_lacks(registrar, drafts) -> None:
    page = login(registrar).get("/school/credentials/unpublished/").content.decode()
    assert drafts[0].certificate_number in page
    assert drafts[1].certificate_number in page
    assert "齐全，到期即可发布" in page
    assert "照片 / photo" in page


def test_publishing_due_credentials_previews_first_and_publishes_only_when_confirmed(
    registrar, drafts, django_capture_on_commit_callbacks
) -> None:
    client = login(registrar)
    pku = Institution.objects.get(code="10001").pk
    preview = client.post("/school/credentials/publish/", {"institution": pku, "due_by": "2025-07-01"})
    page = preview.content.decode()
    assert 'id="publish-preview"' in page
    assert "将发布 1 条" in page
    assert "不发布：照片 / photo" in page
    assert not Credential.objects.filter(state=CredentialState.PUBLISHED).exists()  # nothing yet
    with django_capture_on_commit_callbacks(execute=True):  # the job runs once the request commits
        started = client.post(
            "/school/credentials/publish/", {"institution": pku, "due_by": "2025-07-01", "confirmed": "True"}
        )
    job = PublicationJob.objects.get()
    assert started.url == f"/school/credentials/publish/{job.pk}/"
    done = client.get(started.url).content.decode()
    assert "已发布 1 条，1 条信息不全未发布" in done
    assert 'value="100"' in done
    assert "已完成" in done
    assert Credential.objects.get(pk=drafts[0].pk).state == CredentialState.PUBLISHED
    assert Credential.objects.get(pk=drafts[1].pk).state == CredentialState.DRAFT


def test_a_future_due_date_is_refused(registrar, drafts) -> None:
    pku = Institution.objects.get(code="10001").pk
    response = login(registrar).post(
        "/school/credentials/publish/", {"institution": pku, "due_by": "2999-01-01", "confirmed": "True"}
    )
    assert response.status_code == 400
    assert "第十八条" in response.content.decode()
    assert not Credential.objects.filter(state=CredentialState.PUBLISHED).exists()


def test_a_publication_job_counts_as_it_goes_and_runs_once(
    registrar, drafts, django_capture_on_commit_callbacks
) -> None:
    pku = Institution.objects.get(code="10001")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = services.publication_job_start(actor=registrar, institution=pku, due_by=date(2025, 7, 1))
    assert (job.state, job.total, job.processed) == ("pending", 2, 0)  # queued, nothing published before commit
    assert not Credential.objects.filter(state=CredentialState.PUBLISHED).exists()
    assert len(queued) == 1
    queued[0]()
    job.refresh_from_db()
    assert (job.state, job.processed, job.published, job.incomplete) == ("done", 2, 1, 1)
    assert services.publication_job_run(job_id=job.pk).published == 1  # a second delivery does nothing
    assert Credential.objects.filter(state=CredentialState.PUBLISHED).count() == 1
    actions = set(AuditEntry.objects.filter(target_type="registry.publicationjob").values_list("action", flat=True))
    assert actions == {"registry.publication_job.started", "registry.publication_job.done"}


def test_the_unpublished_list_takes_the_same_few_queries_for_many_rows(
    registrar, drafts, django_assert_max_num_queries
) -> None:
    client = login(registrar)
    client.get("/school/credentials/unpublished/")  # warm the session and the menu
    with django_assert_max_num_queries(12) as few:
        client.get("/school/credentials/unpublished/")
    for n in range(3, 13):
        number = compose_resident_id("110105", date(2003, 6, 15), n)
        enrollment = make_enrollment(student_number=f"S{n}", document_number=number, name="李四")
        photo = services.photo_register(actor=None, enrollment=enrollment, purpose="graduation", image=photo_bytes())
        services.credential_register(
            actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1), photo=photo
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/school/credentials/unpublished/").content.decode()
    assert page.count("齐全，到期即可发布") == 11
