"""Doors to a student's own records: the same 404 for another's record and a missing one.

Archive pages also need the account's identity checked (实人核验 or the identity challenge,
accounts issue): `archive_view` sends an unchecked account to the challenge first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from xuedang.archive import selectors
from xuedang.registry.models import Credential, Enrollment


def access_student_enrollment(student: Any, pk: int) -> Enrollment:
    enrollment = selectors.student_enrollments(student=student).filter(pk=pk).first()
    if enrollment is None:
        raise Http404
    return enrollment


def access_student_credential(student: Any, pk: int) -> Credential:
    credential = selectors.student_credentials(student=student).filter(pk=pk).first()
    if credential is None:
        raise Http404
    return credential


def archive_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the student's own archive: signed in, a student (not staff), identity checked."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_staff or not user.identity_digest:
            raise Http404
        if user.identity_checked_at is None:
            return redirect("accounts:identity_challenge")
        return view(request, *args, **kwargs)

    return wrapped
