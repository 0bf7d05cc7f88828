import logging
from datetime import timedelta

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from onestop.core import clock, partitions
from onestop.core.leases import leased

from .chains import chain_label
from .services import publish_checkpoints
from .verify import audit_verify

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute=f"*/{settings.AUDIT_CHECKPOINT_MINUTES}"))
@leased("audit-checkpoints", every=timedelta(minutes=settings.AUDIT_CHECKPOINT_MINUTES))
def publish_audit_checkpoints() -> int:
    return publish_checkpoints()


@db_periodic_task(crontab(minute="17", hour="18"))  # 02:17 in Beijing (huey counts in UTC)
@leased("audit-verify", every=timedelta(days=1))
def verify_audit_chain_nightly() -> bool:
    report = audit_verify()
    for f in report.findings:
        log.error(
            "audit chain %s, event %s: %s (%s)", chain_label(f.chain), f.seq, f.kind, f.message
        )
    publish_checkpoints(report.intact)
    if report.ok:
        log.info("audit chains intact: %s chains, %s events", report.chains, report.checked)
    return report.ok


@db_periodic_task(crontab(minute="40", hour="18"))  # 02:40 in Beijing
@leased("partitions-ensure", every=timedelta(days=1))
def partitions_ensure() -> list[str]:
    """The coming months' partitions, and rows moved out of DEFAULT (PostgreSQL)."""
    return partitions.ensure(today=clock.today(), ahead=settings.PARTITION_MONTHS_AHEAD)
