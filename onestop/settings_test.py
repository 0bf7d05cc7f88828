"""Settings for the test suite: the real databases and services, minus slow password hashing."""

from onestop.settings import *  # noqa: F403
from onestop.settings import HUEY

# Argon2 at production cost would dominate the suite; hashing strength is not under test here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}
