"""Forms of the student's archive and the school's queues. Every message is Chinese with English."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from xuedang.archive.models import CORRECTABLE, PhotoCheck
from xuedang.archive.services import EVIDENCE_MAX_BYTES
from xuedang.core.forms import BilingualForm
from xuedang.institutions.models import Institution

# Text areas fit a phone screen whatever their default column count.
FULL_WIDTH = "width:100%;box-sizing:border-box"


def _text(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "style": FULL_WIDTH})


class InstitutionCodeField(forms.CharField):
    """A school by its 5-digit 院校代码 or its exact name."""

    def clean(self, value: Any) -> str:
        text = super().clean(value).strip()
        institution = Institution.objects.filter(code=text).first() or Institution.objects.filter(name=text).first()
        if institution is None:
            raise forms.ValidationError(
                "没有找到该学校，请填写院校代码（5 位）或学校全称 / school not found: give its "
                "5-digit code or full name"
            )
        return institution.code


def _year_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1949, max_value=timezone.localdate().year + 1)


class BindCredentialForm(BilingualForm):
    certificate_number = forms.CharField(
        max_length=40,
        label="证书编号 / certificate number",
        help_text="2001 年以前的证书可带或不带“NO.”和前导 0 / before 2001: with or without “NO.” and leading zeros",
    )
    graduation_year = _year_field("毕业年份 / graduation year")
    institution_code = InstitutionCodeField(max_length=100, label="学校（院校代码或全称）/ school (code or name)")


class BindEnrollmentForm(BilingualForm):
    student_number = forms.CharField(max_length=30, label="学号 / student number")
    entry_year = _year_field("入学年份 / entry year")
    institution_code = InstitutionCodeField(max_length=100, label="学校（院校代码或全称）/ school (code or name)")


class PhotoCheckForm(BilingualForm):
    verdict = forms.ChoiceField(
        choices=PhotoCheck.Verdict.choices, widget=forms.RadioSelect, label="照片是否正确 / is the photo right?"
    )
    reason = forms.CharField(required=False, max_length=500, widget=_text(3), label="有误之处 / what is wrong")


class EvidenceField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload is not None and upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError("证明材料不能超过 4 MB / the evidence file must be at most 4 MB")
        return upload


class CorrectionForm(BilingualForm):
    field = forms.ChoiceField(label="要更正的字段 / field to correct")
    new_value = forms.CharField(
        max_length=100,
        label="应为 / should be",
        help_text="日期写作 YYYY-MM-DD；性别写代码 1 男 2 女 / dates as YYYY-MM-DD; gender 1 or 2",
    )
    reason = forms.CharField(max_length=1000, widget=_text(3), label="理由 / reason")
    evidence = EvidenceField(
        label="证明材料（PDF 或 JPEG，≤ 4 MB）/ evidence (PDF or JPEG, ≤ 4 MB)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg"}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["field"]).choices = [
            (name, label) for name, (label, _) in CORRECTABLE[kind].items()
        ]


class SchoolReviewForm(BilingualForm):
    decision = forms.ChoiceField(
        choices=[
            ("accept", "同意更正 / accept"),
            ("reject", "不予更正 / reject"),
            ("forward", "报省级审核 / forward to the province"),
        ],
        widget=forms.RadioSelect,
        label="处理 / decision",
    )
    note = forms.CharField(
        required=False, max_length=1000, widget=_text(2), label="说明 / note (required when rejecting)"
    )


class ProvinceDecisionForm(BilingualForm):
    decision = forms.ChoiceField(
        choices=[("approve", "批准 / approve"), ("reject", "不予批准 / reject")],
        widget=forms.RadioSelect,
        label="审核 / decision",
    )
    note = forms.CharField(
        required=False, max_length=1000, widget=_text(2), label="说明 / note (required when rejecting)"
    )


class PhotoResolveForm(BilingualForm):
    resolution = forms.CharField(max_length=1000, widget=_text(2), label="处理说明 / how it was handled")
    new_photo = forms.FileField(
        required=False,
        label="新照片（JPEG 480×640，≤ 40 KB；不换照片则留空）/ new photo (leave empty to uphold the current one)",
    )


class FormerIdentityForm(BilingualForm):
    name = forms.CharField(max_length=100, strip=False, label="曾用名 / former name")
    document_number = forms.CharField(
        required=False, max_length=30, label="原身份证号码（如有变更）/ former ID number (if it changed)"
    )
    reason = forms.CharField(max_length=1000, widget=_text(2), label="变更原因 / reason")
    evidence = EvidenceField(label="证明材料（户籍证明等，PDF 或 JPEG）/ evidence (PDF or JPEG)")


class FormerIdentityDecisionForm(BilingualForm):
    decision = forms.ChoiceField(
        choices=[("approve", "批准 / approve"), ("reject", "不予批准 / reject")],
        widget=forms.RadioSelect,
        label="审核 / decision",
    )
    note = forms.CharField(required=False, max_length=1000, label="说明 / note")


class ChallengeForm(forms.Form):
    """身份核验: four answers about one of the person's records, all needed (decision 0017)."""

    institution = forms.ChoiceField(
        label="您就读（或被录取）的学校 / the institution you attended or were admitted to", widget=forms.RadioSelect
    )
    major = forms.ChoiceField(label="您在该校的专业 / your major there", widget=forms.RadioSelect)
    year = forms.TypedChoiceField(label="入学（录取）年份 / year of entry", coerce=int, widget=forms.RadioSelect)
    number = forms.CharField(max_length=40)

    NUMBER_LABELS = {
        "student": "您在该校的学号（已毕业者也可填写毕业证书编号）/ your student number there "
        "(graduates may give the certificate number instead)",
        "candidate": "您的考生号（14 位）/ your candidate number (14 digits)",
    }

    def __init__(
        self,
        *args: Any,
        schools: list[tuple[str, str]],
        majors: list[str],
        years: list[int],
        number_kind: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["institution"]).choices = schools
        cast(forms.ChoiceField, self.fields["major"]).choices = [(m, m) for m in majors]
        cast(forms.ChoiceField, self.fields["year"]).choices = [(y, str(y)) for y in years]
        self.fields["number"].label = self.NUMBER_LABELS[number_kind]
        for name, field in self.fields.items():
            field.error_messages["required"] = {
                "institution": "请选择学校 / choose the institution",
                "major": "请选择专业 / choose the major",
                "year": "请选择入学年份 / choose the year",
                "number": "请填写号码 / type the number",
            }[name]
            field.error_messages["invalid_choice"] = "请从列表中选择 / choose one of the listed options"
