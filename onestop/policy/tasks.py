import logging
from datetime import date

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import proactive_scan

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="30", hour="3"))
@lock_task("proactive-scan")
def proactive_scan_nightly():
    """免申即享: every night, look through the registry for benefits people qualify for."""
    report = proactive_scan(day=date.today())
    log.info("proactive scan finished: %s", report)
    return report.persons
