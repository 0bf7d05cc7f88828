"""What a department key may read: the matters with a step at its unit."""

from datetime import date

from onestop.accounts.models import StaffUser
from onestop.cases.models import Matter
from onestop.cases.selectors import matters_at_unit, open_steps_after


def matter_at_unit(account: StaffUser, matter_id: int) -> Matter | None:
    """The matter if it has a step at the key's unit, else None."""
    return matters_at_unit(account.org_unit_id).filter(pk=matter_id).first()


def matters_open_page(
    account: StaffUser, cursor: tuple[date, int] | None, limit: int
) -> tuple[list[Matter], tuple[date, int] | None]:
    """Up to ``limit`` matters with a step open at the key's unit for its role, earliest due
    first, after ``cursor``; and the (due date, step) place of the last one when more follow."""
    steps = open_steps_after(account, cursor)
    page = list(steps.values_list("matter_id", "due_date", "pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    matters = matters_at_unit(account.org_unit_id).filter(pk__in=[p[0] for p in page])
    by_id = {m.pk: m for m in matters}
    last = (page[-1][1], page[-1][2]) if more else None
    return [by_id[matter_id] for matter_id, _, _ in page], last
