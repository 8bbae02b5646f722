"""Forms for accounts pages: parsing and labels only; rules live in the services."""

from __future__ import annotations

from typing import Any, cast

from captcha.fields import CaptchaField
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from xuedang.core.forms import BilingualForm
from xuedang.core.models import DocumentType
from xuedang.core.validators import PROVINCE_CODES

CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}", "maxlength": "6"}
PHONE_ATTRS = {"inputmode": "tel", "autocomplete": "tel"}


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors on the fields they name (or on the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def code_field(label: str = "短信验证码 / SMS code", *, required: bool = True) -> forms.CharField:
    """Required when the form is submitted; the "send code" button of the same form skips
    validation, so the field can be empty then."""
    return forms.CharField(label=label, max_length=6, required=required, widget=forms.TextInput(attrs=CODE_ATTRS))


def password_field(label: str, autocomplete: str = "new-password") -> forms.CharField:
    return forms.CharField(label=label, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}))


class LoginForm(forms.Form):
    username = forms.CharField(
        label="账号 / account",
        max_length=254,
        help_text="用户名、手机号、已激活邮箱或证件号码 / username, mobile, activated email or ID number",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = password_field("密码 / password", "current-password")


class LoginCaptchaForm(LoginForm):
    """Sign-in after many failures from this network or for this account (decision 0018)."""

    captcha = CaptchaField(
        label="图片验证码 / characters in the picture",
        error_messages={
            "invalid": "验证码不正确，请重新输入 / the characters in the picture do not match; try again",
            "required": "请输入图片中的字符 / type the characters in the picture",
        },
    )


class TotpForm(forms.Form):
    code = forms.CharField(
        label="动态口令 / authenticator code",
        max_length=6,
        widget=forms.TextInput(attrs=CODE_ATTRS | {"autofocus": True}),
    )


class SecondStepForm(forms.Form):
    code = forms.CharField(
        label="动态口令或恢复码 / authenticator code or recovery code",
        max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "maxlength": "11"}),
    )


class RegisterForm(forms.Form):
    phone = forms.CharField(
        label="手机号 / mobile",
        max_length=20,
        required=False,
        help_text="境外号码请加国家或地区代码，如 +852；没有手机号可只填邮箱 / outside the mainland with its "
        "country code, e.g. +852; without a mobile, give an email",
        widget=forms.TextInput(attrs=PHONE_ATTRS),
    )
    code = code_field()
    password = password_field("密码 / password")
    password2 = password_field("确认密码 / password again")
    real_name = forms.CharField(
        label="姓名 / name",
        max_length=60,
        help_text="与证件一致；生僻字、少数民族姓名中间点均可输入 / as on your ID document",
    )
    document_type = forms.ChoiceField(label="证件类型 / document type", choices=DocumentType.choices)
    document_number = forms.CharField(
        label="证件号码 / document number", max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.CharField(
        label="电子邮箱（可选）/ email (optional)",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() hands back cleaned_data
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致 / the two passwords differ")
        return data


class PasswordResetSmsForm(forms.Form):
    phone = forms.CharField(
        label="绑定的手机号 / your account's mobile", max_length=20, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    code = code_field()
    new_password1 = password_field("新密码 / new password")
    new_password2 = password_field("确认新密码 / new password again")


class PasswordResetEmailForm(forms.Form):
    email = forms.EmailField(label="已激活的邮箱 / your activated email", max_length=254)


class SetPasswordForm(forms.Form):
    new_password1 = password_field("新密码 / new password")
    new_password2 = password_field("确认新密码 / new password again")


class PasswordChangeForm(forms.Form):
    old_password = password_field("原密码 / current password", "current-password")
    new_password1 = password_field("新密码 / new password")
    new_password2 = password_field("确认新密码 / new password again")


class UsernameRecoverForm(forms.Form):
    document_type = forms.ChoiceField(label="证件类型 / document type", choices=DocumentType.choices)
    document_number = forms.CharField(
        label="证件号码 / document number", max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    real_name = forms.CharField(label="姓名 / name", max_length=60)
    captcha = CaptchaField(
        label="图片验证码 / characters in the picture",
        error_messages={"invalid": "图片验证码不正确 / the characters do not match the picture"},
    )


class PhoneChangeForm(forms.Form):
    METHODS = [
        ("old_code", "原手机号验证码 / code sent to my current number"),
        ("password", "登录密码（原号码已不用）/ my password (I no longer have the old number)"),
    ]
    method = forms.ChoiceField(
        label="验证方式 / prove it is you with", choices=METHODS, widget=forms.RadioSelect, initial="old_code"
    )
    old_code = code_field("原手机号验证码 / code sent to the current number", required=False)
    password = forms.CharField(
        label="登录密码 / password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_phone = forms.CharField(label="新手机号 / new mobile", max_length=20, widget=forms.TextInput(attrs=PHONE_ATTRS))
    new_code = code_field("新手机号验证码 / code sent to the new number")


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label="新邮箱 / new email", max_length=254)
    code = code_field("邮箱验证码 / code sent to that address")


class PasswordConfirmForm(forms.Form):
    password = password_field("登录密码 / password", "current-password")


class TotpDisableForm(forms.Form):
    password = password_field("登录密码 / password", "current-password")
    code = forms.CharField(
        label="动态口令 / authenticator code", max_length=6, widget=forms.TextInput(attrs=CODE_ATTRS)
    )


class AppealStartForm(forms.Form):
    document_type = forms.ChoiceField(label="证件类型 / document type", choices=DocumentType.choices)
    document_number = forms.CharField(label="证件号码 / document number", max_length=30)


class AppealSubmitForm(forms.Form):
    photo = forms.FileField(
        label="手持证件照片 / photo of you holding the ID",
        help_text="JPEG 或 PNG，不超过 4 MB；面部与证件号码清晰可见。"
        "照片中的拍摄信息（EXIF）会被删除。"
        " / JPEG or PNG, at most 4 MB; face and number clearly visible. Location and "
        "camera data (EXIF) are removed.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    statement = forms.CharField(
        label="情况说明（可选）/ statement (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="决定 / decision",
        widget=forms.RadioSelect,
        choices=[
            (
                "approve",
                "通过：证件归申诉人，停用原账号 / approve: the ID moves to the "
                "appellant, the old account is deactivated",
            ),
            ("reject", "不通过 / reject"),
        ],
    )
    reason = forms.CharField(label="审核意见 / reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


# --- Staff onboarding (issue 13 items 1–2) --------------------------------------------------


class InviteForm(BilingualForm):
    real_name = forms.CharField(label="姓名 / name", max_length=50)
    phone = forms.CharField(
        label="手机号 / mobile", max_length=20, required=False, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    email = forms.CharField(label="邮箱 / email", max_length=254, required=False)
    scope = forms.ChoiceField(label="范围 / scope")
    province_code = forms.ChoiceField(label="省份 / province", required=False)
    institution_code = forms.CharField(label="院校代码 / institution code", max_length=5, required=False)
    roles = forms.MultipleChoiceField(label="岗位 / roles", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], roles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["scope"]).choices = scopes
        cast(forms.ChoiceField, self.fields["roles"]).choices = roles
        cast(forms.ChoiceField, self.fields["province_code"]).choices = [("", "—")] + [
            (c, f"{c} {n}") for c, n in PROVINCE_CODES.items()
        ]
        self.fields["roles"].error_messages["invalid_choice"] = "岗位“%(value)s”不可选 / role %(value)s is not offered"
        self.fields["scope"].error_messages["invalid_choice"] = "范围“%(value)s”不可选 / scope %(value)s is not offered"


class AcceptInvitationForm(BilingualForm):
    username = forms.CharField(
        label="用户名 / username",
        max_length=30,
        validators=[
            RegexValidator(
                r"^[A-Za-z][A-Za-z0-9_.-]{2,29}$",
                "用户名为 3–30 位字母、数字或 _ . -，以字母开头 / "
                "3–30 letters, digits or _ . -, starting with a letter",
            )
        ],
    )
    password = password_field("密码 / password")
    password2 = password_field("确认密码 / password again")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致 / the passwords do not match")
        return data


class ReasonForm(BilingualForm):
    reason = forms.CharField(label="原因 / reason", max_length=200)
