"""Forms for a registrar's one-by-one actions. Every message is Chinese with English."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from xuedang.core.codetables import code_choices
from xuedang.core.forms import BilingualForm
from xuedang.core.models import DocumentType
from xuedang.institutions.models import FormerName, Institution
from xuedang.registry.models import (
    AnnualRegistrationStatus,
    CredentialKind,
    EnrollmentNote,
    Gender,
    Level,
    RevocationKind,
    StudyForm,
    WaiverCategory,
)
from xuedang.registry.services import ADMISSION_CORRECTABLE, CANCELLATIONS, CHANGE_RULES, major_code_problem

# <input type="date"> takes only YYYY-MM-DD; the zh-Hans locale would render 2025/07/01, which a
# browser drops, so a prefilled date (the publication preview's confirmation) came back empty.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Ages at entry beyond which a birth date is more likely a typing mistake than a fact.
PLAUSIBLE_AGE = {"06": (14, 45), "05": (14, 45), "04": (18, 55), "02": (18, 60), "01": (20, 65)}


class EnrollmentForm(BilingualForm):
    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=None, empty_label=None, label="学校 / institution"
    )
    student_number = forms.CharField(max_length=30, label="学号 / student number")
    exam_number = forms.CharField(
        max_length=14,
        required=False,
        label="考生号（资格复查：须与已复核的录取数据一致）/ candidate number (must match a reviewed admission)",
    )
    name = forms.CharField(max_length=100, label="姓名 / name", strip=False)
    gender = forms.ChoiceField(choices=Gender.choices, label="性别 / gender")
    birth_date = forms.DateField(widget=DATE, label="出生日期 / birth date")
    ethnicity = forms.ChoiceField(label="民族 / ethnicity")
    document_type = forms.ChoiceField(choices=DocumentType.choices, label="证件类型 / document type")
    document_number = forms.CharField(max_length=30, label="证件号码 / document number")
    department = forms.CharField(max_length=100, required=False, label="院系 / department")
    major_code = forms.CharField(max_length=10, label="专业代码 / major code")
    major_name = forms.CharField(max_length=100, label="专业名称 / major")
    level = forms.ChoiceField(choices=Level.choices, label="层次 / level")
    study_form = forms.ChoiceField(choices=StudyForm.choices, label="学习形式 / study form")
    length_years = forms.DecimalField(
        max_digits=3, decimal_places=1, min_value=1, max_value=9, label="学制（年）/ length (years)"
    )
    entry_date = forms.DateField(widget=DATE, label="入学日期 / entry date")
    expected_graduation_date = forms.DateField(widget=DATE, label="预计毕业日期 / expected graduation")
    admission_type = forms.ChoiceField(required=False, label="录取类型 / admission type")
    class_name = forms.CharField(max_length=60, required=False, label="班级 / class")
    birth_date_confirmed = forms.BooleanField(
        required=False, label="出生日期已核对无误 / I have checked the birth date"
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions
        # Nothing preselected that changes what the record says: a 博士 was once created by
        # leaving the level at its default (issue 13 item 12).
        for field, choices in (("gender", Gender.choices), ("level", Level.choices), ("study_form", StudyForm.choices)):
            cast(forms.ChoiceField, self.fields[field]).choices = [("", "请选择 / choose"), *choices]
        cast(forms.ChoiceField, self.fields["ethnicity"]).choices = code_choices("ethnicity")
        cast(forms.ChoiceField, self.fields["admission_type"]).choices = [("", "—"), *code_choices("admission_type")]
        self.fields["length_years"].error_messages.update(
            min_value="学制至少 1 年 / at least 1 year", max_value="学制至多 9 年 / at most 9 years"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() hands back cleaned_data
        level, code = data.get("level"), data.get("major_code")
        if level and code:
            problem = major_code_problem(level, code.strip().upper())
            if problem:
                self.add_error("major_code", problem)
        born, entry = data.get("birth_date"), data.get("entry_date")
        if level and born and entry and not data.get("birth_date_confirmed"):
            age = entry.year - born.year - ((entry.month, entry.day) < (born.month, born.day))
            low, high = PLAUSIBLE_AGE[level]
            if not low <= age <= high:
                self.add_error(
                    "birth_date",
                    f"入学时 {age} 岁，与{Level(level).label.split(' / ')[0]}不太相符；请核对，无误请勾选确认 / "
                    f"{age} at entry is unusual for this level: check it and tick the confirmation",
                )
        return data


class CorrectionForm(BilingualForm):
    """更正 — the school's own entry, before publication; the ID number is the province's to correct."""

    name = forms.CharField(max_length=100, label="姓名 / name", strip=False)
    gender = forms.ChoiceField(label="性别 / gender")
    birth_date = forms.DateField(widget=DATE, label="出生日期 / birth date")
    ethnicity = forms.ChoiceField(label="民族 / ethnicity")
    major_code = forms.CharField(max_length=10, label="专业代码 / major code")
    major_name = forms.CharField(max_length=100, label="专业名称 / major")
    department = forms.CharField(max_length=100, required=False, label="院系 / department")
    class_name = forms.CharField(max_length=60, required=False, label="班级 / class")
    reason = forms.CharField(max_length=200, label="更正原因 / reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["gender"]).choices = [("", "—"), *Gender.choices]
        cast(forms.ChoiceField, self.fields["ethnicity"]).choices = [("", "—"), *code_choices("ethnicity")]

    def changes(self) -> dict[str, Any]:
        return {f: v for f, v in self.cleaned_data.items() if f != "reason"}


class CancelForm(BilingualForm):
    state = forms.ChoiceField(label="注销类型 / kind", choices=[(state.value, state.label) for state in CANCELLATIONS])
    decision_date = forms.DateField(widget=DATE, label="决定日期 / decision date")
    decision_number = forms.CharField(max_length=60, required=False, label="文号 / decision no.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, label="原因 / reason")


class AnnualRegistrationForm(BilingualForm):
    academic_year = forms.IntegerField(min_value=1990, max_value=2100, label="学年（起始年）/ academic year (start)")
    status = forms.ChoiceField(choices=AnnualRegistrationStatus.choices, label="注册状态 / status")
    registered_on = forms.DateField(widget=DATE, label="注册日期 / registered on")


class SemesterStartForm(BilingualForm):
    """An institution's first-semester start of one academic year (学年注册 is due a month later)."""

    academic_year = forms.IntegerField(min_value=1990, max_value=2100, label="学年（起始年）/ academic year (start)")
    starts_on = forms.DateField(widget=DATE, label="第一学期开学日期 / first-semester start")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        required=False,
        label="修改原因（修改已登记日期时必填）/ reason (required to change a recorded date)",
    )


class AdmissionConfirmForm(BilingualForm):
    student_number = forms.CharField(max_length=30, label="学号 / student number")
    entry_date = forms.DateField(widget=DATE, label="入学日期 / entry date")
    length_years = forms.DecimalField(
        max_digits=3, decimal_places=1, min_value=1, max_value=9, label="学制（年）/ length (years)"
    )
    expected_graduation_date = forms.DateField(widget=DATE, label="预计毕业日期 / expected graduation")
    department = forms.CharField(max_length=100, required=False, label="院系 / department")
    class_name = forms.CharField(max_length=60, required=False, label="班级 / class")


class AdmissionDeclineForm(BilingualForm):
    state = forms.ChoiceField(
        label="处理 / outcome",
        choices=[
            ("declined", "放弃入学资格 / declined"),
            ("deferred", "保留入学资格 / admission deferred"),
            ("cancelled", "取消入学资格 / admission cancelled"),
        ],
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, label="原因 / reason")


class CredentialForm(BilingualForm):
    kind = forms.ChoiceField(choices=CredentialKind.choices, label="毕（结）业 / graduated or completed")
    study_end = forms.DateField(widget=DATE, label="毕（结）业日期 / end of study")
    certificate_number = forms.CharField(
        max_length=40, required=False, label="证书编号（留空自动生成）/ certificate number (blank: generated)"
    )
    photo = forms.FileField(required=False, label="学历照片（JPEG，480×640，≤40 KB）/ photo (JPEG, 480×640, ≤ 40 KB)")
    minor = forms.CharField(max_length=200, required=False, label="辅修 / minor")


class CredentialEditForm(BilingualForm):
    """A draft credential's 第十七条 fields, as they stand; only what differs is changed and audited."""

    name = forms.CharField(max_length=100, label="姓名 / name", strip=False)
    gender = forms.ChoiceField(choices=Gender.choices, label="性别 / gender")
    birth_date = forms.DateField(widget=DATE, label="出生日期 / birth date")
    study_start = forms.DateField(widget=DATE, label="入学日期 / study start")
    study_end = forms.DateField(widget=DATE, label="毕（结）业日期（即发证日期）/ end of study (the issue date)")
    major_code = forms.CharField(max_length=10, label="专业代码 / major code")
    major_name = forms.CharField(max_length=100, label="专业 / major")
    level = forms.ChoiceField(choices=Level.choices, label="层次 / level")
    length_years = forms.DecimalField(
        max_digits=3, decimal_places=1, min_value=1, max_value=9, label="学制（年）/ length (years)"
    )
    kind = forms.ChoiceField(choices=CredentialKind.choices, label="毕（结）业 / graduated or completed")
    study_form = forms.ChoiceField(choices=StudyForm.choices, label="学习形式 / study form")
    president_name = forms.CharField(max_length=100, required=False, label="校（院）长姓名 / president")
    certificate_number = forms.CharField(max_length=40, label="证书编号 / certificate number")
    minor = forms.CharField(max_length=200, required=False, label="辅修 / minor")
    photo = forms.FileField(
        required=False, label="更换学历照片（JPEG，480×640，≤40 KB）/ new photo (JPEG, 480×640, ≤ 40 KB)"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=500, label="修改原因 / reason")

    FIELDS = (
        "name",
        "gender",
        "birth_date",
        "study_start",
        "study_end",
        "major_code",
        "major_name",
        "level",
        "length_years",
        "kind",
        "study_form",
        "president_name",
        "certificate_number",
        "minor",
    )

    def __init__(self, *args: Any, credential: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {f: getattr(credential, f) for f in self.FIELDS})
        super().__init__(*args, **kwargs)
        self.fields["length_years"].error_messages.update(
            min_value="学制至少 1 年 / at least 1 year", max_value="学制至多 9 年 / at most 9 years"
        )

    def changes(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in self.FIELDS}


class ChangeForm(BilingualForm):
    """学籍异动: the code decides the new state and which fields are required (change_rules)."""

    change_code = forms.ChoiceField(label="异动类别 / change")
    change_date = forms.DateField(widget=DATE, label="异动日期 / date")
    decision_number = forms.CharField(max_length=60, label="学校决定文号 / the school's decision no.")
    decision_date = forms.DateField(widget=DATE, label="决定日期 / decision date")
    major_code = forms.CharField(max_length=10, required=False, label="新专业代码 / new major code")
    major_name = forms.CharField(max_length=100, required=False, label="新专业名称 / new major")
    department = forms.CharField(max_length=100, required=False, label="新院系 / new department")
    class_name = forms.CharField(max_length=60, required=False, label="新班级 / new class")
    expected_graduation_date = forms.DateField(
        widget=DATE, required=False, label="新预计毕业日期 / new expected graduation"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, label="原因 / reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # 学籍注销, 转学, 结业 and the admission outcomes have their own flows; 毕业 comes only
        # from publication. The state is never typed: it follows from the code.
        cast(forms.ChoiceField, self.fields["change_code"]).choices = [("", "—")] + [
            c for c in code_choices("change_type") if c[0] in CHANGE_RULES
        ]

    def changes(self) -> dict[str, Any]:
        fields = ("major_code", "major_name", "department", "class_name", "expected_graduation_date")
        return {f: self.cleaned_data[f] for f in fields if self.cleaned_data.get(f) not in (None, "")}


class TransferForm(BilingualForm):
    """转学申请 — filed by the receiving school; the sending school and the province decide."""

    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=None, label="转入学校（本校）/ receiving institution"
    )
    from_code = forms.RegexField(regex=r"^\d{5}$", label="转出学校院校代码 / sending institution code")
    from_student_number = forms.CharField(max_length=30, label="原学号 / student number there")
    document_type = forms.ChoiceField(choices=DocumentType.choices, label="证件类型 / document type")
    document_number = forms.CharField(max_length=40, label="证件号码 / document number")
    student_number = forms.CharField(max_length=30, label="本校学号 / new student number")
    transfer_date = forms.DateField(widget=DATE, label="转学日期 / transfer date")
    decision_number = forms.CharField(max_length=60, label="本校同意转入文号 / our approval document number")
    major_code = forms.CharField(max_length=10, required=False, label="转入专业代码 / major code (if it changes)")
    major_name = forms.CharField(max_length=100, required=False, label="转入专业名称 / major (if it changes)")
    department = forms.CharField(max_length=100, required=False, label="院系 / department")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, label="原因 / reason")

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions
        self.fields["institution"].initial = institutions.first()
        self.fields["institution"].error_messages["invalid_choice"] = (
            "只能为本校提出转入申请 / choose your own institution"
        )
        self.fields["from_code"].error_messages["invalid"] = "院校代码为 5 位数字 / an institution code has 5 digits"
        self.fields["transfer_date"].error_messages["invalid"] = "日期格式应为 2026-09-01 / a date such as 2026-09-01"
        self.fields["document_number"].widget.attrs["autocomplete"] = "off"


TRANSFER_DECISIONS = {
    "sending": [("agree", "同意转出 / agree"), ("reject", "不同意 / reject")],
    "province": [("approve", "批准转学 / approve"), ("reject", "不予批准 / reject")],
    "receiving": [("withdraw", "撤回申请 / withdraw the request")],
}


class TransferDecisionForm(BilingualForm):
    """One party's step on a 转学申请: the choices depend on who is acting (registry.access)."""

    decision = forms.ChoiceField(widget=forms.RadioSelect, label="处理 / decision")
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="说明（不同意时必填）/ note (required when rejecting)",
    )

    def __init__(self, *args: Any, side: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["decision"]).choices = TRANSFER_DECISIONS[side]


class AnnotationForm(BilingualForm):
    """辅修 or a lost-certificate 证明书 on a credential; allowed after publication (第十六条)."""

    minor = forms.CharField(max_length=200, required=False, label="辅修专业 / minor")
    lost_certificate_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        required=False,
        label="学历证明书（证书遗失补办）/ replacement certificate note",
        help_text="如：2026年10月8日补发学历证明书，编号 … / e.g. replacement issued on …, number …",
    )
    reason = forms.CharField(max_length=200, label="原因 / reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() hands back cleaned_data
        if not data.get("minor") and not data.get("lost_certificate_note"):
            raise ValidationError("请填写辅修或证明书批注 / give a minor or a replacement-certificate note")
        return data

    def annotations(self) -> dict[str, str]:
        return {f: self.cleaned_data[f] for f in ("minor", "lost_certificate_note") if self.cleaned_data.get(f)}


class NoteForm(BilingualForm):
    kind = forms.ChoiceField(choices=EnrollmentNote.Kind.choices, label="类别 / kind")
    title = forms.CharField(max_length=200, label="名称 / title")
    decided_on = forms.DateField(widget=DATE, label="日期 / date")
    decision_number = forms.CharField(max_length=60, required=False, label="文号 / decision no.")


class PublishForm(BilingualForm):
    """发布到期学历: previewed first, published only once confirmed (issue 13 item 12)."""

    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=None, empty_label=None, label="学校 / institution"
    )
    due_by = forms.DateField(widget=DATE, label="发证日期不晚于 / issue date on or before")
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions


class RevocationForm(BilingualForm):
    """撤销申请 — filed by the school; the province decides (第二十六条)."""

    kind = forms.ChoiceField(choices=RevocationKind.choices, widget=forms.RadioSelect, label="类型 / kind")
    decision_number = forms.CharField(max_length=60, label="学校决定文号 / the school's decision no.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, label="撤销原因 / reason")


class RevocationDecisionForm(BilingualForm):
    decision = forms.ChoiceField(
        widget=forms.RadioSelect,
        choices=[("approve", "批准撤销 / approve"), ("reject", "不予批准 / reject")],
        label="审核 / decision",
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="审核意见（不予批准时必填）/ note (required when rejecting)",
    )


class PresidentForm(BilingualForm):
    """校（院）长任期 — recorded by the institution's user administrator."""

    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=None, empty_label=None, label="学校 / institution"
    )
    name = forms.CharField(max_length=100, label="校（院）长姓名 / president", strip=False)
    start_date = forms.DateField(widget=DATE, label="任职起 / from")
    end_date = forms.DateField(widget=DATE, required=False, label="任职止（现任留空）/ to (blank: in office)")

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions


class PhotoArchiveForm(BilingualForm):
    """学历照片压缩包: JPEG files named by ID number, 考生号 or student number."""

    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=None, empty_label=None, label="学校 / institution"
    )
    archive = forms.FileField(
        label="照片压缩包（ZIP；JPEG，480×640，≤40 KB，以证件号码、考生号或学号命名）/ "
        "ZIP of JPEG photos (480×640, ≤ 40 KB) named by ID number, candidate number or student number"
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions


class WaiverForm(BilingualForm):
    """资格复查例外: a student with no province 录取 here (decision 0026), for the province to approve."""

    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=None, empty_label=None, label="学校 / institution"
    )
    category = forms.ChoiceField(choices=WaiverCategory.choices, label="类别 / category")
    name = forms.CharField(max_length=100, label="姓名 / name", strip=False)
    gender = forms.ChoiceField(choices=Gender.choices, label="性别 / gender")
    birth_date = forms.DateField(widget=DATE, label="出生日期 / birth date")
    document_type = forms.ChoiceField(choices=DocumentType.choices, label="证件类型 / document type")
    document_number = forms.CharField(max_length=40, label="证件号码 / document number")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, label="理由 / reason")

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions


class InstitutionRenameForm(BilingualForm):
    """更名、合并 (centre): the new name from its effective date; earlier graduations keep the old one."""

    institution_code = forms.CharField(max_length=10, label="院校代码 / institution code")
    new_name = forms.CharField(max_length=100, label="新名称 / new name")
    effective = forms.DateField(widget=DATE, label="生效日期 / effective from")
    kind = forms.ChoiceField(choices=FormerName.Kind.choices, label="类型 / kind")
    note = forms.CharField(max_length=200, required=False, label="说明（批准文号等）/ note (approval no. …)")

    def clean_institution_code(self) -> Any:
        code = self.cleaned_data["institution_code"].strip()
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            raise ValidationError("院校代码不存在 / no institution has this code")
        return institution


class AdmissionCorrectionForm(BilingualForm):
    """录取数据更正 (第十条): one field, the value it should have, why, and the evidence."""

    field = forms.ChoiceField(label="字段 / field")
    new_value = forms.CharField(max_length=100, label="应为 / should be", strip=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, label="理由 / reason")
    evidence = forms.FileField(label="证明材料（PDF、JPEG 或 PNG，5 MB 以内）/ evidence (PDF, JPEG or PNG, ≤ 5 MB)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["field"]).choices = list(ADMISSION_CORRECTABLE.items())
