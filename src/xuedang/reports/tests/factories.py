"""Records and reports for the reports tests, made through the registry's and archive's services."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from xuedang.archive.services import bindings_refresh
from xuedang.conftest import make_enrollment
from xuedang.institutions.services import president_appoint
from xuedang.registry import services as registry
from xuedang.registry.models import Credential, Enrollment
from xuedang.reports.models import Report
from xuedang.reports.services import report_create


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (480, 640), (67, 142, 219)).save(out, format="JPEG")
    return out.getvalue()


def enrollment_of(user, **overrides) -> Enrollment:
    """An enrollment under the user's own name and ID, bound to the account."""
    enrollment = make_enrollment(name=user.real_name, document_number=user.document_number, **overrides)
    bindings_refresh(user=user)
    return enrollment


def graduate(user, **overrides) -> Credential:
    """A published 毕业 credential under the user's name and ID, bound to the account."""
    enrollment = make_enrollment(name=user.real_name, document_number=user.document_number, **overrides)
    if not enrollment.institution.presidents.exists():
        president_appoint(institution=enrollment.institution, name="龚旗煌", start_date=date(2022, 10, 1))
    photo = registry.photo_register(actor=None, enrollment=enrollment, purpose="graduation", image=photo_bytes())
    credential = registry.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1), photo=photo
    )
    registry.credential_publish(actor=None, credential=credential, today=date(2025, 7, 1))
    bindings_refresh(user=user)
    return Credential.objects.get(pk=credential.pk)


def credential_report(user, *, months: int = 3, lang: str = "zh", today: date | None = None) -> Report:
    return report_create(student=user, record=graduate(user), lang=lang, months=months, today=today)
