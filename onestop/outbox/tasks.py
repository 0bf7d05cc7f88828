from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from onestop.core.leases import leased

from .webhooks import deliver_due


@db_task()
@leased("webhooks")
def deliver_webhooks_now() -> int:
    """Queued after a change commits, so departments hear of it within seconds."""
    return deliver_due().sent


@db_periodic_task(crontab(minute="*"))
@leased("webhooks")
def deliver_webhooks_periodic() -> int:
    """Every minute: retries that have come due."""
    return deliver_due().sent
