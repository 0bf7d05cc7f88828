"""The platform's notion of now, in one place.

Everything that stamps a time or computes a deadline asks here, so a test (or a replay of
past events) can pin the date with ``frozen`` instead of waiting for a holiday to come round.
"""

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.utils import timezone

_pinned: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("pinned", default=None)
# A pin every thread sees (a test's live server answers in threads of its own, which a
# context variable does not reach).
_pinned_everywhere: datetime | None = None


def now() -> datetime:
    return _pinned.get() or _pinned_everywhere or timezone.now()


def today() -> date:
    return timezone.localdate(now())


def day_of(moment: datetime) -> date:
    """The platform's date (Beijing's) of a stored moment."""
    return timezone.localdate(moment)


@contextlib.contextmanager
def frozen(moment: datetime, *, every_thread: bool = False) -> Iterator[None]:
    """Pin now() to an aware datetime for the duration of the block; with ``every_thread``,
    in every thread of the process too (for tests only: a live server's threads)."""
    global _pinned_everywhere
    # In UTC, as timezone.now() gives it: a stamp must read back from the database unchanged.
    token = _pinned.set(moment.astimezone(UTC))
    before = _pinned_everywhere
    if every_thread:
        _pinned_everywhere = moment.astimezone(UTC)
    try:
        yield
    finally:
        _pinned.reset(token)
        _pinned_everywhere = before
