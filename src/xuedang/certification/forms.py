from __future__ import annotations

from typing import Any, cast

from django import forms

from xuedang.archive.forms import InstitutionCodeField
from xuedang.core import codetables
from xuedang.core.forms import BilingualForm
from xuedang.institutions.models import Institution
from xuedang.registry.models import Credential, Level
from xuedang.registry.services.self_study import SELF_STUDY_CORRECTABLE


class SelfStudyFileForm(BilingualForm):
    province_code = forms.ChoiceField(label="省份 / province")
    file = forms.FileField(label="自考毕业生文件（CSV 或 XLSX）/ file of self-study graduates (CSV or XLSX)")

    def __init__(self, *args: Any, provinces: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["province_code"])
        field.choices = [(code, codetables.code_label("province", code)) for code in provinces]


class PhotoForm(BilingualForm):
    image = forms.FileField(label="学历照片（JPEG，480×640，≤ 40 KB）/ graduation photo (JPEG, 480×640, ≤ 40 KB)")


CORRECTABLE_LABELS = {
    "name": "姓名 / name",
    "major_code": "专业代码 / major code",
    "major_name": "专业名称 / major",
    "president_name": "主考学校校长 / president of the examining institution",
}


class SelfStudyCorrectionForm(BilingualForm):
    field = forms.ChoiceField(
        label="更正字段 / field", choices=[(f, CORRECTABLE_LABELS[f]) for f in sorted(SELF_STUDY_CORRECTABLE)]
    )
    value = forms.CharField(label="更正后的值 / corrected value", max_length=100)
    reason = forms.CharField(label="更正原因及依据 / reason and grounds", max_length=500, widget=forms.Textarea)


class BackRegistrationFileForm(BilingualForm):
    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=Institution.objects.none(), label="学校 / institution"
    )
    file = forms.FileField(label="补录文件（CSV 或 XLSX）/ back-registration file (CSV or XLSX)")

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions


class BackRegistrationDecisionForm(BilingualForm):
    decision = forms.ChoiceField(
        label="审核结果 / decision", choices=[("approve", "批准 / approve"), ("reject", "不予批准 / refuse")]
    )
    note = forms.CharField(
        label="审核意见（不予批准须说明理由）/ note (reasons required to refuse)",
        required=False,
        max_length=1000,
        widget=forms.Textarea,
    )


class ApplicationForm(BilingualForm):
    """学历认证: a credential of the applicant's archive, or one described (the service checks which)."""

    credential = forms.ModelChoiceField(
        queryset=Credential.objects.none(), required=False, label="档案中的学历 / a credential in your archive"
    )
    institution_code = InstitutionCodeField(
        max_length=100, required=False, label="或：证书上的学校（院校代码或全称）/ or: the school (code or name)"
    )
    certificate_number = forms.CharField(max_length=40, required=False, label="证书编号 / certificate number")
    graduation_year = forms.IntegerField(
        required=False, min_value=1949, max_value=2100, label="毕业年份 / graduation year"
    )
    level = forms.ChoiceField(choices=[("", "—"), *Level.choices], required=False, label="层次 / level")
    major_name = forms.CharField(max_length=100, required=False, label="专业 / major")
    report_zh = forms.BooleanField(required=False, initial=True, label="中文报告 / report in Chinese")
    report_en = forms.BooleanField(required=False, label="英文报告（姓名拼音）/ report in English (name in pinyin)")
    certificate = forms.FileField(label="证书彩色扫描件（jpg/png，≤ 2 MB）/ colour scan of the certificate")
    id_card = forms.FileField(label="证件彩色扫描件（jpg/png，≤ 2 MB）/ colour scan of the ID")

    def __init__(self, *args: Any, credentials: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["credential"]).queryset = credentials


class ReviewForm(BilingualForm):
    action = forms.ChoiceField(
        label="办理 / action",
        choices=[
            ("accept", "受理 / accept"),
            ("ask_school", "请学校核查 / ask the school to confirm"),
            ("approve", "认证通过 / authenticate"),
            ("refuse", "不予认证 / refuse"),
        ],
    )
    reasons = forms.CharField(
        label="不予认证理由 / reasons for refusing", required=False, max_length=2000, widget=forms.Textarea
    )


class SchoolAnswerForm(BilingualForm):
    answer = forms.ChoiceField(
        label="核查结果 / answer", choices=[("confirm", "属实 / confirm"), ("deny", "不属实 / deny")]
    )
    evidence = forms.CharField(label="核查依据 / evidence", max_length=2000, widget=forms.Textarea)
