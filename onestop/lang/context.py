from django.http import HttpRequest
from django.utils.translation import get_language

from onestop.core.language import MONGOLIAN, html_lang


def language(request: HttpRequest) -> dict[str, object]:
    """The page's language for ``<html lang>`` and the stylesheet that lays Mongolian out."""
    code = get_language()
    return {"html_lang": html_lang(code), "mongolian": code == MONGOLIAN}
