from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from onestop.core.leases import leased

from .services import idempotent_answers_expire
from .webhooks import deliver_due


@db_task()
@leased("webhooks")
def deliver_webhooks_now():
    """Queued after a change commits, so departments hear of it within seconds."""
    return deliver_due().sent


@db_periodic_task(crontab(minute="*"))
@leased("webhooks")
def deliver_webhooks_periodic():
    """Every minute: retries that have come due."""
    return deliver_due().sent


@db_periodic_task(crontab(minute="7"))
def expire_idempotent_answers():
    """Every hour: forget the answers kept for retries once they are IDEMPOTENCY_HOURS old."""
    return idempotent_answers_expire()
