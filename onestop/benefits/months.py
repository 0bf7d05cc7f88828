"""Months as the first day of the month."""

from collections.abc import Iterator
from datetime import date


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def months(first: date, last: date) -> Iterator[date]:
    """Every month from ``first`` to ``last``, both included."""
    month = month_of(first)
    while month <= last:
        yield month
        month = next_month(month)


def parse_month(text: str) -> date:
    """``YYYY-MM`` as a month; ValueError with a Chinese message otherwise."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise ValueError(f"月份“{text}”格式不对，应为 YYYY-MM，例如 2026-04。") from None
