import logging
from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from onestop.core import clock
from onestop.core.leases import leased

from .services import proactive_rescan, proactive_scan

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="30", hour="19"))  # 03:30 in Beijing (huey counts in UTC)
@leased("proactive-scan", every=timedelta(days=1))
def proactive_scan_nightly() -> int:
    """免申即享: every night, look through the registry for benefits people qualify for."""
    report = proactive_scan(day=clock.today())
    log.info("proactive scan finished: %s", report)
    return report.persons


@db_task(retries=3, retry_delay=60)
def proactive_rescan_queued(person_ids: list[int]) -> int:
    """免申即享 for persons whose shared data changed; queued by the sync so that a batch of
    thousands of records is answered without waiting for it. Safe to run twice."""
    return proactive_rescan(person_ids=person_ids, day=clock.today()).persons
