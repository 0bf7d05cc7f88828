from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from onestop.core.leases import leased

from .services import idempotent_answers_expire


@db_periodic_task(crontab(minute="7"))
@leased("idempotency-expiry", every=timedelta(hours=1))
def expire_idempotent_answers() -> int:
    """Every hour: forget the answers kept for retries once they are IDEMPOTENCY_HOURS old."""
    return idempotent_answers_expire()
