"""Settings for the test suite: the real databases and services, minus slow password hashing."""

import os
import secrets

from onestop.settings import *  # noqa: F403
from onestop.settings import HUEY

# Argon2 at production cost would dominate the suite; hashing strength is not under test here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Task leases and once-per-period marks are keyed by the queue name and outlive a run in a shared
# Redis (a daily mark for two days): each test process has its own name, never reused by a later
# run (a process id alone is, and its marks then skipped that run's tasks).
HUEY = {**HUEY, "immediate": True, "name": f"onestop-test-{os.getpid()}-{secrets.token_hex(4)}"}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: tests that run two threads at once need real connections and locks.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-onestop.sqlite3")}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
