from collections.abc import Iterable

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
