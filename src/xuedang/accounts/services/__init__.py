"""Writes to accounts. Submodules by flow; the names other apps and tests use are here."""

from xuedang.accounts.services.users import membership_grant, membership_revoke, user_create

__all__ = ["membership_grant", "membership_revoke", "user_create"]
