"""Binding on the first archive page of a session (docs/decisions/0004-archive-binding.md): every
archive page calls `bind_new_records` after its door, so records registered since the student's
last visit are there whichever page they open first. The front page refreshes on every visit."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest

from xuedang.accounts.models import User
from xuedang.archive.services import bindings_refresh

SESSION_BOUND = "archive_bound"


def bind_new_records(request: HttpRequest, *, every_visit: bool = False) -> None:
    """Bind once a session (or on every visit, for the front page)."""
    if every_visit or not request.session.get(SESSION_BOUND):
        bindings_refresh(user=cast(User, request.user))  # archive_view let only students in
        request.session[SESSION_BOUND] = True
