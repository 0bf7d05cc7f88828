"""Working days under the State Council's holiday notices (调休 included).

``WorkingCalendar`` is pure: built from the official day list (date -> is it a day off) and the set
of years whose schedule is published. Years without a published schedule still answer, by weekends
alone, but every date or count that touches them is marked ``provisional``.

The module-level functions use the platform calendar: the notices loaded in the database, with
``chinese_calendar`` filling published years the table lacks.

Arithmetic is by table, not by walking days: for a span of years we keep, per day, how many working
days precede it, and the list of working days itself, so ``add_working_days`` is two look-ups.
"""

import calendar as month_calendar
import threading
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from onestop.core.tablecache import TableCache


class WorkingDate(date):
    """A date that also says whether an unpublished holiday schedule went into it."""

    provisional: bool = False

    def __new__(cls, ordinal_date: date, provisional: bool) -> "WorkingDate":
        obj = super().__new__(cls, ordinal_date.year, ordinal_date.month, ordinal_date.day)
        obj.provisional = provisional
        return obj

    def __reduce__(self) -> tuple[type["WorkingDate"], tuple[date, bool]]:
        return (WorkingDate, (date(self.year, self.month, self.day), self.provisional))


class WorkingDayCount(int):
    provisional: bool = False

    def __new__(cls, value: int, provisional: bool) -> "WorkingDayCount":
        obj = super().__new__(cls, value)
        obj.provisional = provisional
        return obj


@dataclass(frozen=True)
class _Tables:
    first_year: int
    last_year: int
    base: int  # ordinal of 1 January of first_year
    rank: array  # rank[i]: working days from base up to and including day base + i
    workdays: list  # the working days themselves, in order


class WorkingCalendar:
    def __init__(self, days_off: Mapping[date, bool], published_years: Iterable[int]):
        """``days_off[d]`` is True for a listed holiday, False for a listed make-up working day."""
        self._listed = dict(days_off)
        self.published_years = frozenset(published_years)
        self._lock = threading.Lock()
        self._tables: _Tables | None = None

    # --- single days -------------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        listed = self._listed.get(day)
        if listed is not None:
            return not listed
        return day.weekday() < 5

    def is_provisional_year(self, year: int) -> bool:
        return year not in self.published_years

    # --- tables ------------------------------------------------------------------------------
    def _covering(self, first_year: int, last_year: int) -> "_Tables":
        tables = self._tables
        if tables is not None and tables.first_year <= first_year and last_year <= tables.last_year:
            return tables
        with self._lock:
            if self._tables is not None:
                first_year = min(first_year, self._tables.first_year)
                last_year = max(last_year, self._tables.last_year)
            base = date(first_year, 1, 1).toordinal()
            rank = array("l")
            workdays: list[WorkingDate] = []
            for ordinal in range(base, date(last_year, 12, 31).toordinal() + 1):
                day = date.fromordinal(ordinal)
                if self.is_working_day(day):
                    workdays.append(WorkingDate(day, self.is_provisional_year(day.year)))
                rank.append(len(workdays))
            # One object, swapped in whole: a reader never sees a base from one build and a
            # rank array from another.
            self._tables = _Tables(first_year, last_year, base, rank, workdays)
            return self._tables

    def add_working_days(self, start: date, n: int) -> WorkingDate:
        """The n-th working day after ``start`` (``start`` itself is not counted); n >= 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return WorkingDate(start, self.is_provisional_year(start.year))
        year = start.year
        tables = self._covering(year, year + 1)
        k = tables.rank[start.toordinal() - tables.base] + n - 1
        while k >= len(tables.workdays):
            tables = self._covering(year, tables.last_year + 1 + n // 200)
            k = tables.rank[start.toordinal() - tables.base] + n - 1
        result = tables.workdays[k]
        if result.provisional or result.year == year:
            return result
        return WorkingDate(result, self._any_provisional(year, result.year))

    def working_days_between(self, a: date, b: date) -> WorkingDayCount:
        """Working days after ``a`` up to and including ``b`` (negative when b is before a)."""
        lo, hi = sorted((a.year, b.year))
        tables = self._covering(lo, hi)
        value = tables.rank[b.toordinal() - tables.base] - tables.rank[a.toordinal() - tables.base]
        return WorkingDayCount(value, self._any_provisional(lo, hi))

    def _any_provisional(self, first_year: int, last_year: int) -> bool:
        return any(self.is_provisional_year(y) for y in range(first_year, last_year + 1))


# --- the platform calendar --------------------------------------------------------------------


def chinese_calendar_days() -> tuple[dict[date, bool], set[int]]:
    """The day list and years covered by the ``chinese_calendar`` package."""
    import chinese_calendar

    days = {d: True for d in chinese_calendar.holidays}
    days.update({d: False for d in chinese_calendar.workdays})
    return days, {d.year for d in days}


def build_platform_calendar() -> WorkingCalendar:
    from .models import HolidayDay, HolidayNotice

    days, years = chinese_calendar_days()
    table_years = set(HolidayNotice.objects.values_list("year", flat=True))
    days = {d: off for d, off in days.items() if d.year not in table_years}
    days.update(dict(HolidayDay.objects.values_list("date", "is_off")))
    return WorkingCalendar(days, years | table_years)


def _notices_token() -> tuple[object, ...]:
    from django.db.models import Count, Max

    from .models import HolidayNotice

    return tuple(HolidayNotice.objects.aggregate(n=Count("id"), t=Max("loaded_at")).values())


_platform = TableCache(build_platform_calendar, _notices_token)


def get_calendar() -> WorkingCalendar:
    """The platform calendar: the notices table, then chinese_calendar, then weekends."""
    return _platform.get()


def reset_cache() -> None:
    _platform.reset()


def is_working_day(day: date) -> bool:
    return get_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> WorkingDate:
    return get_calendar().add_working_days(start, n)


def due_soon_until(today: date) -> WorkingDate:
    """临期: the last due date that counts as due soon (one working day or less left)."""
    return add_working_days(today, 1)


def working_days_between(a: date, b: date) -> WorkingDayCount:
    return get_calendar().working_days_between(a, b)


def missing_years(years: Iterable[int]) -> list[int]:
    """Which of these years have no published schedule yet (shown as a warning to admins)."""
    cal = get_calendar()
    return [y for y in years if cal.is_provisional_year(y)]


def month_end(day: date) -> date:
    return day.replace(day=month_calendar.monthrange(day.year, day.month)[1])
