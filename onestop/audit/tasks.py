import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import audit_verify

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17", hour="2"))
def verify_audit_chain_nightly():
    report = audit_verify()
    if report.ok:
        log.info("audit chain intact: %s events", report.checked)
    else:
        log.error("audit chain broken at event %s: %s", report.broken_seq, report.reason)
    return report.ok
