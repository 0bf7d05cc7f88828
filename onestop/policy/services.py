from django.db import transaction

from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record

from . import calendar
from .holidays import HolidaySchedule
from .models import HolidayDay, HolidayNotice


def holiday_notice_load(*, actor, schedule: HolidaySchedule) -> HolidayNotice:
    """Replace the year's official schedule with this one (all of it, or nothing)."""
    with transaction.atomic():
        notice, created = HolidayNotice.objects.select_for_update().get_or_create(
            year=schedule.year, defaults={"papers": schedule.papers, "loaded_by": actor}
        )
        if not created:
            notice.papers = schedule.papers
            notice.loaded_by = actor
            notice.save()
            notice.days.all().delete()
        HolidayDay.objects.bulk_create(
            HolidayDay(notice=notice, date=d, is_off=off, name=name)
            for d, (off, name) in sorted(schedule.days.items())
        )
        audit_record(
            actor=actor,
            action=AuditAction.HOLIDAYS_LOAD,
            subject=notice,
            detail={"year": schedule.year, "days": len(schedule.days), "replaced": not created},
        )
        transaction.on_commit(calendar.reset_cache)
    calendar.reset_cache()
    return notice
