from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from onestop.core import clock
from onestop.core.leases import leased

from .services import certificate_expiry_remind, send_pending


@db_task()
@leased("notices")
def send_notices_now() -> int:
    return send_pending()


@db_periodic_task(crontab(minute="*"))
@leased("notices")
def send_notices_periodic() -> int:
    """Every minute: texts that failed and are due for another try."""
    return send_pending()


@db_periodic_task(crontab(hour="1", minute="20"))  # 09:20 in Beijing
@leased("certificate-reminders", every=timedelta(days=1))
def remind_expiring_certificates() -> int:
    """Every morning: holders whose certificate expires within 90, then 30 days."""
    return certificate_expiry_remind(today=clock.today())
