"""Writes to accounts: staff operators and their memberships (operator accounts are
managed by user administrators, 第二十四条). Student self-registration arrives with the
accounts issue; the identity fields here are the same ones it will fill.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from xuedang.accounts.models import User
from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    real_name: str,
    email: str = "",
    phone: str = "",
    document_type: str = "",
    document_number: str = "",
    is_staff: bool = False,
) -> User:
    """Create a login. Identity numbers are normalised, encrypted and digested for lookup."""
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username=username).exists():
        errors["username"] = [f"用户名“{username}”已被使用 / username already taken"]
    try:
        real_name = validators.normalize_name(real_name)
    except ValidationError as error:
        errors["real_name"] = error.messages
    user = User(username=username, real_name=real_name, email=email, is_staff=is_staff)
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error.messages
    if phone:
        try:
            user.phone = validators.normalize_any_mobile(phone)
            user.phone_digest = crypto.digest(user.phone, purpose="phone")
        except ValidationError as error:
            errors["phone"] = error.messages
    if document_number:
        try:
            document_type, number = validators.identify_document(document_type, document_number)
            user.document_type, user.document_number = document_type, number
            user.identity_digest = crypto.identity_digest(document_type, number)
        except ValidationError as error:
            errors["document_number"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    audit_log(
        actor=actor,
        action="accounts.user.created",
        target=user,
        after={
            "username": username,
            "is_staff": is_staff,
            "phone": user.phone,
            "document_number": user.document_number,
        },
    )
    return user


def identity_checked_mark(*, user: User, at: datetime) -> None:
    """The account's holder has shown they are the person of its ID (the archive's 身份核验, or a
    real-person check): record when. The caller's step writes the audit entry, in its transaction."""
    user.identity_checked_at = at
    user.save(update_fields=["identity_checked_at"])
