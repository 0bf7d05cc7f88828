from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from onestop.core import clock
from onestop.core.leases import leased

from .services import figures_rebuild


@db_periodic_task(crontab(minute="*/15"))
@leased("figures", every=timedelta(minutes=15))
def figures_recent():
    """Every quarter hour: yesterday and today, so the reports are at most minutes behind."""
    today = clock.today()
    return figures_rebuild(day_from=today - timedelta(days=1), day_to=today).rows


@db_periodic_task(crontab(minute="45", hour="18"))  # 02:45 in Beijing (huey counts in UTC)
@leased("figures", every=timedelta(days=1))
def figures_nightly():
    """Every night: the last 40 days again, for late changes (an appeal upheld, a withdrawal)."""
    today = clock.today()
    return figures_rebuild(day_from=today - timedelta(days=40), day_to=today).rows
