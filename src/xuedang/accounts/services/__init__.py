"""Writes to accounts. Submodules by flow; the names other apps and tests use are here."""

from xuedang.accounts.services.memberships import (
    membership_approve,
    membership_approve_as_operator,
    membership_grant,
    membership_revoke,
)
from xuedang.accounts.services.users import user_create

__all__ = [
    "membership_approve",
    "membership_approve_as_operator",
    "membership_grant",
    "membership_revoke",
    "user_create",
]
