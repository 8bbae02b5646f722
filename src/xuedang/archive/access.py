"""Doors to a student's own records: the same 404 for another's record and a missing one.

Archive pages also need the account's identity checked (实人核验 or the identity challenge,
accounts issue): `archive_view` sends an unchecked account to the challenge first. The
school's queues (photo disputes, corrections) have their own doors, narrowed by role and
institution scope.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.archive import selectors
from xuedang.archive.models import Correction, FormerIdentity, PhotoCheck
from xuedang.institutions.access import APPROVING, REGISTERING, is_centre, memberships
from xuedang.registry.models import Admission, Credential, Enrollment, Photo


def access_student_enrollment(student: Any, pk: int) -> Enrollment:
    enrollment = selectors.student_enrollments(student=student).filter(pk=pk).first()
    if enrollment is None:
        raise Http404
    return enrollment


def access_student_credential(student: Any, pk: int, *, published_only: bool = True) -> Credential:
    """Published only by default (verification reports); the student's own pages also show drafts."""
    credential = selectors.student_credentials(student=student, published_only=published_only).filter(pk=pk).first()
    if credential is None:
        raise Http404
    return credential


def access_student_admission(student: Any, pk: int) -> Admission:
    admission = selectors.student_admissions(student=student).filter(pk=pk).first()
    if admission is None:
        raise Http404
    return admission


def access_student_photo(student: Any, pk: int) -> Photo:
    """A photo of one of the student's bound enrollments."""
    photo = Photo.objects.filter(pk=pk, enrollment__in=selectors.student_enrollments(student=student)).first()
    if photo is None:
        raise Http404
    return photo


def access_student_correction(student: Any, pk: int) -> Correction:
    correction = selectors.student_corrections(student=student).filter(pk=pk).first()
    if correction is None:
        raise Http404
    return correction


def access_school_correction(actor: Any, pk: int) -> Correction:
    """A correction in the registrar's school, or forwarded to the approver's province."""
    correction = selectors.corrections_for(actor=actor).filter(pk=pk).first()
    if correction is None:
        raise Http404
    return correction


def access_photo_dispute(actor: Any, pk: int) -> PhotoCheck:
    check = selectors.photo_disputes_for(actor=actor, open_only=False).filter(pk=pk).first()
    if check is None:
        raise Http404
    return check


def access_former_identity(actor: Any, pk: int) -> FormerIdentity:
    """Identity changes are the centre's approvers' to decide."""
    if not is_centre(actor, APPROVING):
        raise Http404
    former = FormerIdentity.objects.filter(pk=pk).select_related("user").first()
    if former is None:
        raise Http404
    return former


def staff_queue_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the school's or province's queue: registrars and approvers only."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not memberships(request.user, REGISTERING + APPROVING).exists():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def archive_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the student's own archive: signed in, a student (not staff), identity checked.
    Reads only: the page itself binds new records (`archive.session.bind_new_records`)."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_staff or not user.identity_digest:
            raise Http404
        if user.identity_checked_at is None:
            return redirect("accounts:identity_challenge")
        return view(request, *args, **kwargs)

    return wrapped
