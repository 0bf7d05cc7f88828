"""add_working_days throughput against day-by-day loops, measured in the same run.

Target (issue 2): at least 20x faster than a naive day-by-day loop for n=5, start dates spread over
a year. Two baselines are printed:
  naive   - walks day by day, asking the official table, then chinese_calendar, then the weekday
            (what a straightforward implementation does);
  walk    - walks day by day over this module's own O(1) is_working_day (the strictest baseline:
            only the walking differs).

Run: make bench   (or .venv/bin/python bench/calendar.py)
"""

import os
import sys

# This file is named calendar.py: take its folder off the path so the standard library's calendar
# module (imported by email, http, Django) is not shadowed by it.
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import random  # noqa: E402
import time  # noqa: E402
from datetime import date, timedelta  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")

import django  # noqa: E402

django.setup()

import chinese_calendar  # noqa: E402

from onestop.policy import calendar  # noqa: E402
from onestop.policy.models import HolidayDay  # noqa: E402

N = 5
CALLS = 20_000
ROUNDS = 5


def naive_factory():
    official = dict(HolidayDay.objects.values_list("date", "is_off"))

    def is_working(day: date) -> bool:
        if day in official:
            return not official[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def add(start: date, n: int) -> date:
        day = start
        while n:
            day += timedelta(days=1)
            if is_working(day):
                n -= 1
        return day

    return add


def walk(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def best_rate(fn, starts) -> float:
    best = 0.0
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for s in starts:
            fn(s, N)
        best = max(best, len(starts) / (time.perf_counter() - t0))
    return best


def main() -> None:
    rng = random.Random(1)
    starts = [date(2026, 1, 1) + timedelta(days=rng.randrange(365)) for _ in range(CALLS)]
    naive = naive_factory()
    fast = calendar.add_working_days
    assert all(fast(s, N) == naive(s, N) == walk(s, N) for s in starts[:2000])
    rates = {
        "add_working_days": best_rate(fast, starts),
        "naive day-by-day": best_rate(naive, starts),
        "walk over fast is_working_day": best_rate(walk, starts),
    }
    print(f"n={N}, {CALLS} random start dates in 2026, best of {ROUNDS} rounds")
    for name, rate in rates.items():
        print(f"  {name:<32} {rate:>12,.0f} calls/s")
    print(
        "  speed-up vs naive day-by-day:    "
        f"{rates['add_working_days'] / rates['naive day-by-day']:.1f}x"
    )
    print(
        "  speed-up vs walk (fast lookup):  "
        f"{rates['add_working_days'] / rates['walk over fast is_working_day']:.1f}x"
    )


if __name__ == "__main__":
    main()
