from __future__ import annotations

from typing import Any, cast

from captcha.fields import CaptchaField
from django import forms

from xuedang.core import validators
from xuedang.reports.models import MAX_MONTHS, MIN_MONTHS, ReportLanguage

CAPTCHA_ERRORS = {
    "invalid": "验证码不正确，请重新输入 / the characters in the picture do not match; try again",
    "required": "请输入图片中的字符 / type the characters in the picture",
}


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="在线验证码 / verification code",
        max_length=64,
        error_messages={"required": "请输入在线验证码 / enter the verification code"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class VerifyCaptchaForm(VerifyForm):
    captcha = CaptchaField(label="图片验证码 / characters in the picture", error_messages=CAPTCHA_ERRORS)


class LookupForm(forms.Form):
    certificate_number = forms.CharField(
        label="证书编号 / certificate number",
        max_length=40,
        error_messages={"required": "请输入证书编号 / enter the certificate number"},
    )
    name = forms.CharField(
        label="姓名 / name",
        max_length=100,
        error_messages={"required": "请输入姓名 / enter the name on the certificate"},
    )

    def clean_certificate_number(self) -> str:
        # A malformed number is told what is wrong here: it never reaches the rate limit or the
        # count of misses that brings the captcha (views.lookup).
        return validators.check_lookup_certificate_number(self.cleaned_data["certificate_number"])


class LookupCaptchaForm(LookupForm):
    captcha = CaptchaField(label="图片验证码 / characters in the picture", error_messages=CAPTCHA_ERRORS)


class ReportCreateForm(forms.Form):
    record = forms.ChoiceField(
        label="记录 / record",
        error_messages={
            "required": "请选择一条记录 / choose a record",
            "invalid_choice": "请选择您档案中的记录 / choose a record of your archive",
        },
    )
    lang = forms.ChoiceField(
        label="语言 / language",
        choices=ReportLanguage.choices,
        initial=ReportLanguage.ZH,
        error_messages={"invalid_choice": "请选择中文或英文 / choose Chinese or English"},
    )
    months = forms.IntegerField(
        label="有效期（月）/ valid for (months)",
        min_value=MIN_MONTHS,
        max_value=MAX_MONTHS,
        initial=3,
        error_messages={
            "required": "请选择有效期 / choose the validity",
            "invalid": "有效期应为整数月 / the validity is a whole number of months",
            "min_value": f"有效期至少 {MIN_MONTHS} 个月 / at least {MIN_MONTHS} month",
            "max_value": f"有效期最多 {MAX_MONTHS} 个月 / at most {MAX_MONTHS} months",
        },
    )

    def __init__(self, *args: Any, records: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["record"]).choices = records


class MonthsForm(forms.Form):
    months = forms.IntegerField(
        min_value=MIN_MONTHS,
        max_value=MAX_MONTHS,
        required=False,
        error_messages={
            "invalid": "有效期应为整数月 / the validity is a whole number of months",
            "min_value": f"有效期至少 {MIN_MONTHS} 个月 / at least {MIN_MONTHS} month",
            "max_value": f"有效期最多 {MAX_MONTHS} 个月 / at most {MAX_MONTHS} months",
        },
    )
