"""Writes to the registry. Every service validates before saving, enforces the rules of
the 2014 办法 (DESIGN.md §2) and writes its audit entry in the same transaction.

Errors are `ValidationError`s keyed by field, each message "中文 / English", so that forms,
imports and the API can all show which field is wrong and why.

Submodules by subject (decision 0009); this package is the public surface: every public name
of the submodules is here, and other apps and tests import from `xuedang.registry.services`.
"""

from xuedang.registry.services.access_events import access_event_record, access_event_staff_view
from xuedang.registry.services.admission_corrections import (
    ADMISSION_CORRECTABLE,
    EVIDENCE_MAX_BYTES,
    admission_correction_decide,
    admission_correction_file,
    admission_correction_step,
)
from xuedang.registry.services.admission_review import (
    admission_batch_open,
    admission_batch_review,
    admission_reviewer_stage,
)
from xuedang.registry.services.admissions import ADMISSION_OUTCOMES, admission_confirm, admission_decline
from xuedang.registry.services.back_registration import (
    BACK_REGISTRATION_COLUMNS,
    BackRegistrationRejected,
    back_registration_decide,
    back_registration_rows_check,
    back_registration_submit,
)
from xuedang.registry.services.change_rules import CHANGE_RULES, change_label
from xuedang.registry.services.common import (
    CREDENTIAL_FIELDS,
    ENROLLMENT_FIELDS,
    IDENTITY_FIELDS,
    major_code_problem,
    snapshot,
)
from xuedang.registry.services.credentials import (
    ARTICLE_17_FIELDS,
    PHOTO_MAX_BYTES,
    PHOTO_SIZE,
    credential_annotate,
    credential_edit,
    credential_missing_fields,
    credential_publish,
    credential_register,
    credential_update,
    credentials_due_pks,
    credentials_publish_due,
    credentials_publish_each,
    photo_dispute_close,
    photo_dispute_open,
    photo_register,
)
from xuedang.registry.services.deadlines import (
    SEMESTER_START_MISSING,
    semester_start_for,
    semester_start_problem,
    semester_start_record,
)
from xuedang.registry.services.eligibility import (
    NO_ADMISSION,
    eligibility_waiver_decide,
    eligibility_waiver_file,
    new_student_register,
    waiver_category,
)
from xuedang.registry.services.enrollments import (
    CANCELLATION_WORKING_DAYS,
    CANCELLATIONS,
    CHANGEABLE_FIELDS,
    CORRECTABLE_FIELDS,
    YEAR_CHANGES,
    Cancellation,
    Identity,
    annual_registration_record,
    enrollment_cancel,
    enrollment_change_record,
    enrollment_correct,
    enrollment_note_add,
    enrollment_register,
    identity_validate,
)
from xuedang.registry.services.notices import NOTICE_TEXTS, record_notice, record_notice_claim
from xuedang.registry.services.photo_archives import (
    ZIP_MAX_BYTES,
    PhotoArchiveRefused,
    PhotoProblem,
    photos_register_archive,
)
from xuedang.registry.services.publication import publication_job_run, publication_job_start
from xuedang.registry.services.revocations import REVOCATION_PENDING, revocation_decide, revocation_file
from xuedang.registry.services.self_study import (
    SELF_STUDY_COLUMNS,
    RowProblem,
    SelfStudyRejected,
    self_study_credential_correct,
    self_study_credential_publish,
    self_study_credentials_register,
    self_study_photo_register,
    self_study_rows_check,
)
from xuedang.registry.services.transfers import (
    TRANSFER_FORBIDDEN,
    TRANSFER_NOT_FOUND,
    TRANSFER_OPEN,
    enrollment_transfer,
    transfer_request_file,
    transfer_request_province_decide,
    transfer_request_sending_answer,
    transfer_request_withdraw,
)

__all__ = [
    "ADMISSION_CORRECTABLE",
    # admissions
    "ADMISSION_OUTCOMES",
    # credentials
    "ARTICLE_17_FIELDS",
    "BACK_REGISTRATION_COLUMNS",
    # enrollments
    "CANCELLATIONS",
    "CANCELLATION_WORKING_DAYS",
    "CHANGEABLE_FIELDS",
    "CHANGE_RULES",
    "CORRECTABLE_FIELDS",
    # common
    "CREDENTIAL_FIELDS",
    "ENROLLMENT_FIELDS",
    "EVIDENCE_MAX_BYTES",
    "IDENTITY_FIELDS",
    "NOTICE_TEXTS",
    "NO_ADMISSION",
    "PHOTO_MAX_BYTES",
    "PHOTO_SIZE",
    "REVOCATION_PENDING",
    "SELF_STUDY_COLUMNS",
    # deadlines
    "SEMESTER_START_MISSING",
    # transfers
    "TRANSFER_FORBIDDEN",
    "TRANSFER_NOT_FOUND",
    "TRANSFER_OPEN",
    "YEAR_CHANGES",
    "ZIP_MAX_BYTES",
    "BackRegistrationRejected",
    "Cancellation",
    "Identity",
    "PhotoArchiveRefused",
    "PhotoProblem",
    "RowProblem",
    "SelfStudyRejected",
    # access log
    "access_event_record",
    "access_event_staff_view",
    "admission_batch_open",
    "admission_batch_review",
    "admission_confirm",
    "admission_correction_decide",
    "admission_correction_file",
    "admission_correction_step",
    "admission_decline",
    "admission_reviewer_stage",
    "annual_registration_record",
    "back_registration_decide",
    "back_registration_rows_check",
    "back_registration_submit",
    "change_label",
    "credential_annotate",
    "credential_edit",
    "credential_missing_fields",
    "credential_publish",
    "credential_register",
    "credential_update",
    "credentials_due_pks",
    "credentials_publish_due",
    "credentials_publish_each",
    "eligibility_waiver_decide",
    "eligibility_waiver_file",
    "enrollment_cancel",
    "enrollment_change_record",
    "enrollment_correct",
    "enrollment_note_add",
    "enrollment_register",
    "enrollment_transfer",
    "identity_validate",
    "major_code_problem",
    "new_student_register",
    "photo_dispute_close",
    "photo_dispute_open",
    "photo_register",
    "photos_register_archive",
    "publication_job_run",
    "publication_job_start",
    "record_notice",
    "record_notice_claim",
    "revocation_decide",
    "revocation_file",
    "self_study_credential_correct",
    "self_study_credential_publish",
    "self_study_credentials_register",
    "self_study_photo_register",
    "self_study_rows_check",
    "semester_start_for",
    "semester_start_problem",
    "semester_start_record",
    "snapshot",
    "transfer_request_file",
    "transfer_request_province_decide",
    "transfer_request_sending_answer",
    "transfer_request_withdraw",
    "waiver_category",
]
