from functools import cache

from django.conf import settings
from django.urls import reverse

from onestop.regions.services import default_hotline

NAV = (
    "home",
    "check",
    "sign_in",
    "sign_out",
    "me",
    "inbox",
    "lookup",
    "elder",
    "accessibility",
    "hotlines",
)


@cache
def _urls() -> dict[str, str]:
    return {name: reverse(f"portal:{name}") for name in NAV}


def portal_urls(request):
    """The portal's navigation links, reversed once per process rather than on every page, and
    the default help line every portal page's footer names."""
    return {
        "portal_urls": _urls(),
        "hotline": default_hotline(),
        "site_sponsor": settings.SITE_SPONSOR,
        "site_operator": settings.SITE_OPERATOR,
    }
