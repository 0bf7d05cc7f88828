"""One-time form tokens: a form submitted again (Back, reload, double click) finds what its
first submission made instead of making it again.

A token is issued when the form is rendered and signed, bound to who may submit it, so nothing
is stored until it is used: its key is then the application's idempotency key.
"""

import uuid
from typing import Any

from django.core import signing

SALT = "onestop.core.formtokens"
FIELD = "form_token"


def issue(*bound: Any, nonce: str = "") -> str:
    """A new token; or, given a nonce the caller keeps, the same token for every rendering of
    one form (Back may fetch the page again, and must not get a fresh token)."""
    return signing.dumps([nonce or uuid.uuid4().hex, *map(str, bound)], salt=SALT)


def redeem(token: str, *bound: Any) -> str | None:
    """The idempotency key a token stands for; None unless it was issued for these."""
    try:
        key, *rest = signing.loads(token, salt=SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return f"form-{key}" if rest == [str(b) for b in bound] else None
