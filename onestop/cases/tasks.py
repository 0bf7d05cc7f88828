import logging
from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from onestop.core.leases import leased

from .clocks import clock_sweep
from .proactive import proactive_propose_open

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
@leased("clock-sweep", every=timedelta(minutes=15))
def clock_sweep_periodic() -> dict[str, int]:
    """Every quarter hour: mark steps 临期 and 超期 and alert their units."""
    counts = clock_sweep()
    if any(counts.values()):
        log.info("clock sweep: %s", counts)
    return counts


@db_periodic_task(crontab(minute="0", hour="21"))  # 05:00 in Beijing (huey counts in UTC)
@leased("proactive-propose", every=timedelta(days=1))
def proactive_propose_daily() -> int:
    """After the night's 免申即享 scan: one application per new finding, awaiting confirmation."""
    created = proactive_propose_open()
    log.info("proactive applications proposed: %s", created)
    return created
