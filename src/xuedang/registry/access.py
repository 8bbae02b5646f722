"""Doors to registry records for staff: one per kind, the same 404 for missing and forbidden.

Students reach their own records through the archive (bound records), never through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase

from xuedang.institutions.access import (
    APPROVING,
    READING,
    REGISTERING,
    institution_scope,
    institutions_for,
    memberships,
)
from xuedang.institutions.models import Institution, Scope
from xuedang.registry.models import (
    Admission,
    AdmissionBatch,
    AdmissionCorrection,
    AdmissionReview,
    Credential,
    EligibilityWaiver,
    Enrollment,
    PublicationJob,
    RevocationRequest,
    RevocationState,
    TransferRequest,
    TransferState,
)

View = Callable[..., HttpResponseBase]


def staff_view(roles: Iterable[str] = READING) -> Callable[[View], View]:
    """The school portal's door: signed in, and allowed to act on at least one institution with one
    of `roles` (any staff duty by default); the same 404 for everyone else. Reads only. Pages of
    one record also pass that record's own door (`access_enrollment` …)."""
    roles = tuple(roles)

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not institutions_for(request.user, roles).exists():
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def enrollments_for(actor: object, roles: Iterable[str] = READING) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(institution_scope(actor, roles, prefix="institution"))


def credentials_for(actor: object, roles: Iterable[str] = READING) -> QuerySet[Credential]:
    return Credential.objects.filter(institution_scope(actor, roles, prefix="institution"))


def admissions_for(actor: object, roles: Iterable[str] = READING) -> QuerySet[Admission]:
    return Admission.objects.filter(institution_scope(actor, roles, prefix="institution"))


def access_enrollment(actor: object, pk: int, *, roles: Iterable[str] = READING) -> Enrollment:
    enrollment = enrollments_for(actor, roles).select_related("institution").filter(pk=pk).first()
    if enrollment is None:
        raise Http404
    return enrollment


def access_credential(actor: object, pk: int, *, roles: Iterable[str] = READING) -> Credential:
    credential = credentials_for(actor, roles).select_related("institution").filter(pk=pk).first()
    if credential is None:
        raise Http404
    return credential


def reviewed_admissions_for(actor: object, roles: Iterable[str] = READING) -> QuerySet[Admission]:
    """What a school sees of 录取: the rows the centre re-checked (issue 14 item 1)."""
    return admissions_for(actor, roles).filter(review=AdmissionReview.CENTRE_APPROVED)


def access_admission(actor: object, pk: int, *, roles: Iterable[str] = READING) -> Admission:
    admission = reviewed_admissions_for(actor, roles).select_related("institution").filter(pk=pk).first()
    if admission is None:
        raise Http404
    return admission


def access_publication_job(actor: object, pk: int) -> PublicationJob:
    """A publication job of a school the actor registers for."""
    job = (
        PublicationJob.objects.filter(institution_scope(actor, REGISTERING, prefix="institution"), pk=pk)
        .select_related("institution")
        .first()
    )
    if job is None:
        raise Http404
    return job


# --- 转学申请: three parties, each with its own duty ---------------------------------------------
# The receiving school's registrars file and may withdraw; the sending school's registrars agree or
# reject; the approvers of the receiving school's province approve or reject. The sending school's
# province is informed: its approvers read requests of their schools once the school has agreed.


def transfer_requests_for(actor: object) -> QuerySet[TransferRequest]:
    """Transfer requests the actor may read (one condition per party)."""
    receiving = institution_scope(actor, REGISTERING, prefix="to_institution")
    sending = institution_scope(actor, REGISTERING, prefix="from_institution")
    province = Q(sending_agreed=True) & (
        institution_scope(actor, APPROVING, prefix="to_institution")
        | institution_scope(actor, APPROVING, prefix="from_institution")
    )
    return TransferRequest.objects.filter(receiving | sending | province)


def access_transfer_request(actor: object, pk: int) -> TransferRequest:
    transfer = (
        transfer_requests_for(actor)
        .select_related("source", "from_institution", "to_institution")
        .filter(pk=pk)
        .first()
    )
    if transfer is None:
        raise Http404
    return transfer


def _in_scope(actor: object, roles: Iterable[str], institution_id: int) -> bool:
    return Institution.objects.filter(institution_scope(actor, roles), pk=institution_id).exists()


def may_file_transfer(actor: object, institution_id: int) -> bool:
    """The receiving school's registrars file (and withdraw) its requests."""
    return _in_scope(actor, REGISTERING, institution_id)


def may_answer_as_sending(actor: object, transfer: TransferRequest) -> bool:
    return transfer.state == TransferState.PENDING_SENDING and _in_scope(
        actor, REGISTERING, transfer.from_institution_id
    )


def may_decide_as_province(actor: object, transfer: TransferRequest) -> bool:
    """Only the receiving school's province approves (it informs the sending province)."""
    return transfer.state == TransferState.PENDING_PROVINCE and _in_scope(actor, APPROVING, transfer.to_institution_id)


def may_withdraw(actor: object, transfer: TransferRequest) -> bool:
    return transfer.is_open and may_file_transfer(actor, transfer.to_institution_id)


# --- 撤销申请: the school files, its province decides ----------------------------------------------


def revocation_requests_for(actor: object) -> QuerySet[RevocationRequest]:
    """Requests of the schools the actor registers for, or approves for (one condition per party)."""
    filing = institution_scope(actor, REGISTERING, prefix="institution")
    deciding = institution_scope(actor, APPROVING, prefix="institution")
    return RevocationRequest.objects.filter(filing | deciding)


def access_revocation_request(actor: object, pk: int) -> RevocationRequest:
    revocation = (
        revocation_requests_for(actor)
        .select_related("credential", "credential__enrollment", "institution")
        .filter(pk=pk)
        .first()
    )
    if revocation is None:
        raise Http404
    return revocation


def may_decide_revocation(actor: object, revocation: RevocationRequest) -> bool:
    """Only an approver of the school's province decides (第二十六条: the provincial authority);
    a school's own approvers do not approve their school's revocations."""
    return (
        revocation.state == RevocationState.PENDING
        and memberships(actor, APPROVING)
        .filter(scope=Scope.PROVINCE, province_code=revocation.institution.province_code)
        .exists()
    )


# --- 开学日期: the school records it; past the deadline only its province moves it ----------------------


def may_record_semester_start(actor: object, institution: Institution) -> bool:
    """The institution's registrars, and the approvers of its province or of the centre."""
    if _in_scope(actor, REGISTERING, institution.pk):
        return True
    return may_supervise(actor, institution)


def may_supervise(actor: object, institution: Institution) -> bool:
    """A province (or centre) approver covering `institution`: not the institution's own staff."""
    grants = memberships(actor, APPROVING).filter(Q(scope=Scope.CENTRE) | Q(scope=Scope.PROVINCE))
    return grants.filter(Q(scope=Scope.CENTRE) | Q(province_code=institution.province_code)).exists()


# --- 录取批次: the province reviews, then the centre ---------------------------------------------------


def admission_batches_for(actor: object) -> QuerySet[AdmissionBatch]:
    """Batches of the institutions the actor approves for (a province's or the centre's approvers)."""
    grants = memberships(actor, APPROVING).filter(Q(scope=Scope.CENTRE) | Q(scope=Scope.PROVINCE))
    if grants.filter(scope=Scope.CENTRE).exists():
        return AdmissionBatch.objects.all()
    provinces = list(grants.values_list("province_code", flat=True))
    return AdmissionBatch.objects.filter(institution__province_code__in=provinces)


def access_admission_batch(actor: object, pk: int) -> AdmissionBatch:
    batch = admission_batches_for(actor).select_related("institution").filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


# --- 资格复查例外: the school files, its province decides (decision 0026) -----------------------------


def waivers_for(actor: object) -> QuerySet[EligibilityWaiver]:
    return EligibilityWaiver.objects.filter(institution_scope(actor, READING, prefix="institution"))


def access_waiver(actor: object, pk: int) -> EligibilityWaiver:
    waiver = waivers_for(actor).select_related("institution").filter(pk=pk).first()
    if waiver is None:
        raise Http404
    return waiver


# --- 录取数据更正 (第十条): the school files, the province reviews, the centre re-checks ----------------


def admission_corrections_for(actor: object) -> QuerySet[AdmissionCorrection]:
    return AdmissionCorrection.objects.filter(institution_scope(actor, READING, prefix="institution"))


def access_admission_correction(actor: object, pk: int) -> AdmissionCorrection:
    correction = admission_corrections_for(actor).select_related("institution", "admission").filter(pk=pk).first()
    if correction is None:
        raise Http404
    return correction
