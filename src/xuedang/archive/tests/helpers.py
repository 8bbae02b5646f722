"""Records for archive tests, made through the registry's own services."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from xuedang.conftest import make_enrollment
from xuedang.institutions.models import President
from xuedang.institutions.services import president_appoint
from xuedang.registry import services as registry
from xuedang.registry.models import Credential, Enrollment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def jpeg(size: tuple[int, int] = (480, 640), colour: tuple[int, int, int] = (67, 142, 219)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def graduate(
    enrollment: Enrollment, *, study_end: date = date(2025, 7, 1), number: str = "", publish: bool = True
) -> Credential:
    """The enrollment's credential with a photo and a president, published unless told not to."""
    if not President.objects.filter(institution=enrollment.institution).exists():
        president_appoint(institution=enrollment.institution, name="龚旗煌", start_date=date(1950, 1, 1))
    photo = registry.photo_register(actor=None, enrollment=enrollment, purpose="graduation", image=jpeg())
    credential = registry.credential_register(
        actor=None,
        enrollment=enrollment,
        kind="graduation",
        study_end=study_end,
        certificate_number=number,
        photo=photo,
    )
    if not credential.president_name:  # no president on record for that year in this database
        credential = registry.credential_update(
            actor=None,
            credential=credential,
            changes={"president_name": "马寅初"},
            reason="补录校长姓名 / president back-filled",
        )
    if publish:
        credential = registry.credential_publish(actor=None, credential=credential)
    return credential


def legacy_graduate(
    *, number: str, student_number: str = "1996001", without_id: bool = False, **identity: str
) -> Credential:
    """A pre-2001 credential (free-form number), optionally registered without an ID as old records were."""
    enrollment = make_enrollment(
        student_number=student_number,
        entry_date=date(1996, 9, 1),
        expected_graduation_date=date(2000, 7, 1),
        **identity,
    )
    credential = graduate(enrollment, study_end=date(2000, 7, 1), number=number)
    if without_id:
        for model, pk in ((Enrollment, enrollment.pk), (Credential, credential.pk)):
            model.objects.filter(pk=pk).update(document_number="", identity_digest="")
        credential.refresh_from_db()
    return credential
