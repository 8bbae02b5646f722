from __future__ import annotations

from typing import Any, cast

from django import forms

from xuedang.core import codetables
from xuedang.core.forms import BilingualForm
from xuedang.institutions.models import Institution
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
