from celery import shared_task

from xuedang.accounts.services import cancellation


@shared_task
def complete_account_cancellations() -> int:
    """注销 after the cooling-off period: deactivate the accounts whose time has come."""
    return cancellation.cancellations_complete()
