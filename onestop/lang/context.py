from django.http import HttpRequest
from django.utils.translation import get_language

from .catalog import MONGOLIAN

# BCP 47 as the lang attribute wants it (Django's codes are lower case).
HTML_LANG = {MONGOLIAN: "mn-Mong"}


def language(request: HttpRequest) -> dict[str, object]:
    """The page's language for ``<html lang>`` and the stylesheet that lays Mongolian out."""
    code = get_language()
    return {"html_lang": HTML_LANG.get(code, "zh-Hans"), "mongolian": code == MONGOLIAN}
