from functools import cache

from django.urls import reverse

NAV = ("home", "check", "sign_in", "sign_out", "me", "inbox", "lookup", "elder")


@cache
def _urls() -> dict[str, str]:
    return {name: reverse(f"portal:{name}") for name in NAV}


def portal_urls(request):
    """The portal's navigation links, reversed once per process rather than on every page."""
    return {"portal_urls": _urls()}
