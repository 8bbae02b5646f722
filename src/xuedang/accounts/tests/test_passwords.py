"""The suite hashes with MD5 for speed (conftest `_fast_password_hashing`); production must not."""

from __future__ import annotations

import importlib

import pytest
from django.test import override_settings

from xuedang.accounts.services import user_create

pytestmark = pytest.mark.django_db


def test_production_stores_passwords_with_argon2() -> None:
    production = importlib.import_module("xuedang.settings").PASSWORD_HASHERS
    assert production[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=production):
        user = user_create(actor=None, username="argon", password="Correct-horse-9", real_name="张三")
        assert user.password.startswith("argon2$argon2id$")
        assert user.check_password("Correct-horse-9")
        assert not user.check_password("wrong-horse-9")
