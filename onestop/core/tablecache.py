"""An in-process copy of a small configuration table, rebuilt when the table changes.

Checking the table costs one cheap aggregate query, so it runs at most every ``recheck``
seconds: a change made in another process is seen within that time, a change made in this
process at once (the writing service calls ``reset``).
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
_instances: list["TableCache"] = []


class TableCache(Generic[T]):
    def __init__(self, build: Callable[[], T], token: Callable[[], object], recheck: float = 30.0):
        self._build, self._token, self._recheck = build, token, recheck
        self._lock = threading.Lock()
        self._value: T | None = None
        self._seen: object = None
        self._checked = 0.0
        _instances.append(self)

    def get(self) -> T:
        now = time.monotonic()
        value = self._value
        if value is not None and now - self._checked < self._recheck:
            return value
        with self._lock:
            token = self._token()
            if self._value is None or token != self._seen:
                self._value, self._seen = self._build(), token
            self._checked = now
            return self._value

    def get_or(self, fallback: Callable[[], T], failure: type[Exception]) -> T:
        """The table; while reading it fails with ``failure``, the last copy (or ``fallback()``
        when there is none), tried again after ``recheck`` seconds rather than at every call."""
        try:
            return self.get()
        except failure:
            with self._lock:
                if self._value is None:
                    # A token no reading equals: rebuilt as soon as the table answers again.
                    self._value, self._seen = fallback(), object()
                self._checked = time.monotonic()
                return self._value

    def reset(self) -> None:
        with self._lock:
            self._value, self._seen, self._checked = None, None, 0.0


def reset_all() -> None:
    """Forget every cached table (tests roll back writes the caches may have seen)."""
    for cache in _instances:
        cache.reset()
