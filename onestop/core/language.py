"""The reading languages a person or a staff member may choose (a person's notices follow it,
a clerk's pages too), and the cookie that carries the choice from page to page."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

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


def api_in_chinese(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """The API answers in Chinese whatever language its caller's client asks for: its documented
    contract to the departments' systems (the pages follow the reader's choice)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return get_response(request)

    return middleware
