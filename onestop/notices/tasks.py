from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from onestop.core.leases import leased

from .services import send_pending


@db_task()
@leased("notices")
def send_notices_now() -> int:
    return send_pending()


@db_periodic_task(crontab(minute="*"))
@leased("notices")
def send_notices_periodic() -> int:
    """Every minute: texts that failed and are due for another try."""
    return send_pending()
