"""Staff read access to enrollments over JSON (session login, scoped like the pages)."""

from datetime import date
from decimal import Decimal

from ninja import Field, Router, Schema
from ninja.security import django_auth

from xuedang.accounts.http import AuthenticatedApiRequest
from xuedang.core.masking import mask_document
from xuedang.registry.access import access_enrollment
from xuedang.registry.models import EnrollmentState

router = Router(tags=["enrollments"], auth=django_auth)


class EnrollmentOut(Schema):
    id: int
    institution_code: str
    student_number: str
    name: str
    gender: str
    birth_date: date
    document_number_masked: str
    major_code: str
    major_name: str
    level: str
    study_form: str
    length_years: Decimal
    entry_date: date
    expected_graduation_date: date
    state: str = Field(json_schema_extra={"enum": list(EnrollmentState.values)})


@router.get("/{pk}", response=EnrollmentOut, summary="一个学籍 / one enrollment")
def enrollment_detail(request: AuthenticatedApiRequest, pk: int) -> dict:
    e = access_enrollment(request.auth, pk)
    return {
        "id": e.pk,
        "institution_code": e.institution.code,
        "student_number": e.student_number,
        "name": e.name,
        "gender": e.gender,
        "birth_date": e.birth_date,
        "document_number_masked": mask_document(e.document_number),
        "major_code": e.major_code,
        "major_name": e.major_name,
        "level": e.level,
        "study_form": e.study_form,
        "length_years": e.length_years,
        "entry_date": e.entry_date,
        "expected_graduation_date": e.expected_graduation_date,
        "state": e.state,
    }
