"""Tracking numbers: readable aloud, typo-checked, and not guessable from one another.

``261129-7KQ9-M4TX``: the date, then seven random characters from Crockford's base 32 (no I, L,
O, U) and one check character. 35 random bits per day make guessing a neighbour's number futile.
"""

import secrets
from datetime import date

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _check(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(body))
    return ALPHABET[total % 32]


def new_tracking_no(day: date) -> str:
    body = f"{day:%y%m%d}" + "".join(secrets.choice(ALPHABET) for _ in range(7))
    full = body + _check(body)
    return f"{full[:6]}-{full[6:10]}-{full[10:]}"


def normalise(value: str) -> str | None:
    """The canonical form of a typed number, or None if it cannot be one of ours."""
    raw = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    raw = raw.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(raw) != 14 or not raw[:6].isdigit() or any(c not in ALPHABET for c in raw):
        return None
    if _check(raw[:13]) != raw[13]:
        return None
    return f"{raw[:6]}-{raw[6:10]}-{raw[10:]}"
