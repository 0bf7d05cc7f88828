"""The reading languages a person or a staff member may choose (a person's notices follow it,
a clerk's pages too), and the cookie that carries the choice from page to page."""

from django.conf import settings
from django.http import HttpResponse

MONGOLIAN = "mn-mong"  # traditional Mongolian script (BCP 47 mn-Mong), never Cyrillic
READING_LANGUAGES = [("", "中文"), (MONGOLIAN, "蒙古文（传统蒙古文）")]  # "" is Chinese
COOKIE_AGE = 365 * 24 * 3600


def html_lang(code: str | None) -> str:
    """A language as the ``lang`` attribute writes it (BCP 47; Django's codes are lower case)."""
    return "mn-Mong" if code == MONGOLIAN else "zh-Hans"


def remember(response: HttpResponse, language: str) -> None:
    """The language the next pages are in, kept in Django's own language cookie ("" is
    Chinese)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language or settings.LANGUAGE_CODE,
        max_age=COOKIE_AGE,
        samesite="Lax",
    )
