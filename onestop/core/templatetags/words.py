from collections.abc import Iterable
from datetime import date

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from onestop.core import words
from onestop.core.language import html_lang

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
    """Items joined by 、 (the reader's separator), numbered when an item contains it itself."""
    return words.listing(items or [], gettext)


@register.filter
def tr(text: object) -> str:
    """A text the code holds as data (a matter's name, a material, a label) in the reader's
    language; the catalog test holds every such text to a translation."""
    return gettext(str(text)) if text else ""


@register.filter
def tr_each(texts: Iterable[object] | None) -> list[str]:
    """Each data text of a list in the reader's language (see ``tr``)."""
    return [tr(t) for t in texts or []]


@register.filter(expects_localtime=True)
def month(value: date | None) -> str:
    """A month (a date within it) as the reader writes it (2026年4月 in Chinese)."""
    return (
        words.written(words.words(words.MONTH, y=value.year, m=value.month), gettext)
        if value
        else ""
    )


@register.filter(expects_localtime=True)
def written(value: object) -> str:
    """A value (a sentence kept with its values, a list, a date) written in the reader's
    language."""
    return words.written(value, gettext)


@register.filter(expects_localtime=True)
def day(value: date | None) -> str:
    """A date as the reader writes it (2026年1月2日 in Chinese)."""
    return words.written(value, gettext) if value else ""


@register.filter
def chinese(text: object) -> str:
    """A name recorded in Chinese (an office, a place), marked as Chinese on a page in another
    language, so that a screen reader reads it in Chinese."""
    if not text or (get_language() or "").startswith("zh"):
        return str(text or "")
    return format_html('<span lang="zh-Hans">{}</span>', text)


@register.filter
def person_name(person: object) -> str:
    """A person's name as recorded, and in Mongolian script beside it where it was recorded (as
    Inner Mongolia's ID cards carry both); each marked with its language."""
    name = chinese(getattr(person, "name", ""))
    name_mn = getattr(person, "name_mn", "")
    if not name_mn:
        return name
    return format_html('{} <span lang="mn-Mong">{}</span>', name, name_mn)


@register.filter
def lang_attr(code: str | None) -> str:
    """A reading language ("" is Chinese) as the ``lang`` attribute writes it."""
    return html_lang(code)


@register.filter
def by_script(text: object) -> str:
    """A notice's lines, each marked with its language: a bilingual notice has its Mongolian
    and its Chinese on lines of their own."""
    return format_html_join(
        mark_safe("<br>"),
        '<span lang="{}">{}</span>',
        (
            ("mn-Mong" if words.MONGOLIAN_LETTER.search(line) else "zh-Hans", line)
            for line in str(text or "").split("\n")
        ),
    )
