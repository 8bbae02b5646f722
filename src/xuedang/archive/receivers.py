"""The archive's answers to events of the apps below it (accounts and registry announce them in
their `signals` modules because they may not import the archive; decision 0011). Each receiver
calls one archive service; connected in `ArchiveConfig.ready`."""

from __future__ import annotations

from typing import Any

from xuedang.accounts.models import User
from xuedang.accounts.signals import account_deactivating, identity_confirmed
from xuedang.archive import services
from xuedang.archive.selectors import Record
from xuedang.registry.models import RecordNotice
from xuedang.registry.signals import record_noticed, record_step


def bind_confirmed_identity(sender: Any, *, user: User, **kwargs: Any) -> None:
    """Records registered under an identity bind as soon as an account holds it (自动绑定)."""
    services.bindings_refresh(user=user)


def release_deactivated_account(sender: Any, *, user: User, reason: str, **kwargs: Any) -> None:
    """An account that goes lets go of its records, so the person's next account can bind them."""
    services.bindings_release(user=user, reason=reason)


def tell_record_holder(sender: Any, *, record: Record, text: str, **kwargs: Any) -> None:
    """A step on a bound record reaches the student's inbox, linked to the record in their archive."""
    services.bindings_notify(record=record, text=text)


def tell_record_notice(sender: Any, *, notice: RecordNotice, **kwargs: Any) -> None:
    """第十一条: a registered, published, cancelled or revoked record is announced to its holder."""
    services.bindings_tell(notice=notice)


def connect() -> None:
    identity_confirmed.connect(bind_confirmed_identity, dispatch_uid="archive.bind_confirmed_identity")
    account_deactivating.connect(release_deactivated_account, dispatch_uid="archive.release_deactivated_account")
    record_step.connect(tell_record_holder, dispatch_uid="archive.tell_record_holder")
    record_noticed.connect(tell_record_notice, dispatch_uid="archive.tell_record_notice")
