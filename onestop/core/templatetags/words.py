from collections.abc import Iterable
from datetime import date

from django import template
from django.utils.translation import gettext

from onestop.core import words

register = template.Library()


@register.filter
def sentence(text: object) -> str:
    """The text as one sentence ending in one 。 (see onestop.core.words)."""
    return words.sentence(str(text or ""))


@register.filter
def bare(text: object) -> str:
    """The text without its closing punctuation, to be followed by more of the sentence."""
    return words.bare(str(text or ""))


@register.filter
def listing(items: Iterable[str] | None) -> str:
    """Items joined by 、, numbered when an item contains 、 itself."""
    return words.listing(items or [])


@register.filter
def tr(text: object) -> str:
    """A text the code holds as data (a matter's name, a material, a label) in the reader's
    language; the catalog test holds every such text to a translation."""
    return gettext(str(text)) if text else ""


@register.filter
def day(value: date | None) -> str:
    """A date as the reader writes it (2026年1月2日 in Chinese)."""
    return gettext(words.DAY).format(y=value.year, m=value.month, d=value.day) if value else ""
