from celery import shared_task

from xuedang.accounts.services import security


@shared_task
def complete_account_cancellations() -> int:
    """注销 after the cooling-off period: deactivate the accounts whose time has come."""
    return security.cancellations_complete()
