"""Traditional Mongolian (``mn-Mong``) beside Chinese, the source language of every message.

Django ships ``mn``, which is Cyrillic, and gettext expands ``mn_Mong`` to ``mn_Mong`` and then
``mn``: a plain catalog would fill every gap with Cyrillic. So ``mn-mong`` gets a translation of
its own: the shipped catalog (``catalog/mn_Mong.po``) overlaid with the reviewers' corrections
(``Phrase`` rows), and for anything else the Chinese (Django's own English messages as their
Chinese translation), never another script.
"""

import gettext
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polib
from django.db import DatabaseError
from django.utils.translation import trans_real

from onestop.core.language import MONGOLIAN
from onestop.core.tablecache import TableCache

CHINESE = "zh-hans"
__all__ = ["CHINESE", "MONGOLIAN"]
CATALOG = Path(__file__).resolve().parent / "catalog" / "mn_Mong.po"
CONTEXT_SEPARATOR = "\x04"  # gettext's own: pgettext looks up "context\x04message"


@dataclass(frozen=True)
class Entry:
    msgid: str  # with its context in front, as gettext looks it up
    text: str
    reviewed: bool


def key_of(msgid: str) -> str:
    return hashlib.sha256(msgid.encode()).hexdigest()


@cache
def shipped() -> dict[str, Entry]:
    """The catalog in the repository; an entry flagged ``fuzzy`` awaits native review."""
    entries = {}
    for e in polib.pofile(str(CATALOG)):
        if e.obsolete or not e.msgstr:
            continue
        msgid = f"{e.msgctxt}{CONTEXT_SEPARATOR}{e.msgid}" if e.msgctxt else e.msgid
        entries[msgid] = Entry(msgid, e.msgstr, "fuzzy" not in e.flags)
    return entries


def _build() -> dict[str, Entry]:
    from .models import Phrase

    entries = dict(shipped())
    for msgid, text, state in Phrase.objects.values_list("msgid", "text", "state"):
        entries[msgid] = Entry(msgid, text, state == Phrase.State.REVIEWED)
    return entries


def _token() -> tuple[object, ...]:
    from django.db.models import Count, Max

    from .models import Phrase

    return tuple(Phrase.objects.aggregate(n=Count("id"), t=Max("updated_at")).values())


entries = TableCache(_build, _token)


def _in_force() -> dict[str, Entry]:
    """The wording in force; while the database does not answer, the last read (or the shipped
    file), so that the error page saying so still reads."""
    return entries.get_or(shipped, DatabaseError)


class Mongolian(gettext.NullTranslations):
    """What Django's translation functions ask of an active translation."""

    def __init__(self, chinese: gettext.NullTranslations):
        super().__init__()
        self._chinese = chinese

    def gettext(self, message: str) -> str:
        found = _in_force().get(message)
        return found.text if found is not None else self._chinese.gettext(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        # Neither Chinese nor Mongolian inflects the noun after a numeral: one form serves.
        found = _in_force().get(msgid1)
        return found.text if found is not None else self._chinese.ngettext(msgid1, msgid2, n)

    def to_language(self) -> str:
        return MONGOLIAN

    def language(self) -> str:
        return MONGOLIAN


def install() -> None:
    """Route Django's look-up of the ``mn-mong`` translation here (once per process)."""
    original = trans_real.translation
    if getattr(original, "onestop_mongolian", False):
        return

    def translation(language: str) -> gettext.NullTranslations:
        if language == MONGOLIAN:
            return Mongolian(original(CHINESE))
        return original(language)

    translation.onestop_mongolian = True  # type: ignore[attr-defined]
    trans_real.translation = translation  # type: ignore[assignment]  # not a DjangoTranslation
