"""Decision 0011 moved models between apps without moving their tables: the inbox (archive →
accounts), the access log (archive → registry); and an open photo dispute became `Photo.disputed`.
Going back to the migrations before the move and forward again keeps every row, and fills the
new field from the open disputes."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xuedang.accounts.models import Notification
from xuedang.accounts.notify import notify
from xuedang.archive import selectors
from xuedang.archive.models import PhotoCheck
from xuedang.archive.services import bindings_refresh
from xuedang.archive.tests.helpers import jpeg
from xuedang.conftest import make_enrollment
from xuedang.registry import services as registry
from xuedang.registry.models import AccessEvent, Photo, ViewerKind

BEFORE_THE_MOVE = [
    ("archive", "0003_access_event_one_index"),
    ("accounts", "0003_student_accounts"),
    ("registry", "0005_transfer_lapsed"),
]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


# Migrating needs a transactional test; SQLite cannot flush the append-only audit table afterwards,
# PostgreSQL truncates it (as for test_corrections' concurrency tests). Runs in the PostgreSQL pass.
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="migrations back and forth are tested on PostgreSQL (make test-postgres / CI)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moved_models_keep_their_rows_and_open_disputes_mark_their_photo(student) -> None:
    enrollment = make_enrollment()
    bindings_refresh(user=student)
    disputed = registry.photo_register(actor=None, enrollment=enrollment, purpose="graduation", image=jpeg())
    PhotoCheck.objects.create(
        photo=disputed,
        enrollment=enrollment,
        institution_id=enrollment.institution_id,
        user=student,
        verdict=PhotoCheck.Verdict.WRONG,
        reason="不是我 / not me",
        state=PhotoCheck.State.OPEN,
    )
    notify(user=student, text="纠错申请 #1：已更正 / applied", url="/archive/corrections/1/")
    registry.access_event_record(
        record=enrollment, viewer_kind=ViewerKind.STAFF, viewer_label="北京大学", seen="学籍 / enrollment"
    )

    _migrate(BEFORE_THE_MOVE)
    _migrate(_latest())

    # (binding also told the student their 学籍 was registered, 第十一条: a second notice)
    assert Notification.objects.get(user=student, url="/archive/corrections/1/").text == "纠错申请 #1：已更正 / applied"
    assert [e.viewer_label for e in selectors.access_events(student=student)] == ["北京大学"]
    assert Photo.objects.get(pk=disputed.pk).disputed
    assert AccessEvent._meta.db_table == "archive_accessevent"
    assert Notification._meta.db_table == "archive_notification"
