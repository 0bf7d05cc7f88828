"""Joining Chinese sentences and clauses: the one place that decides the punctuation between them.

Texts come from many hands (rule catalogues, officers' reasons, applicants' words), some ending in
。 and some not; joined naively they print "…照护。。如果不服" or "。；". Everything a person reads
that is built from parts goes through these functions.

A text made of a message and values (``fill``, ``Words``) keeps them apart until it is written,
so it can be written in the reader's language with its values in that language too (a date, a
list, a label), not as a translated sentence with Chinese words inside."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

DAY = "{y}年{m}月{d}日"  # a date as people write it; a message of the catalog
MONTH = "{y}年{m}月"  # a month, likewise
MONGOLIAN_LETTER = re.compile("[\u1820-\u18af]")  # of the traditional script
HAN = re.compile("[\u4e00-\u9fff]")  # Chinese characters
STOPS = "。！？"
TRAILING = "。！？；，、：,.;: \u3000\n"


def recorded(text: str) -> str:
    """The identity translation: a message as recorded (Chinese), where a function that writes
    a text takes the reader's ``gettext`` instead for a page."""
    return text


Translate = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Words:
    """A value made of a sentence of its own (``template`` with ``values``)."""

    template: str
    values: tuple[tuple[str, object], ...] = ()


def words(template: str, **values: object) -> Words:
    return Words(template, tuple(values.items()))


def fill(template: str, values: dict, tr: Translate = recorded) -> str:
    """``template`` with its values written in (see ``written``), all through ``tr``: the
    reader's gettext, or the identity for the recorded Chinese."""
    text = tr(template)
    return text.format(**{k: written(v, tr) for k, v in values.items()}) if values else text


def stored(value: object) -> object:
    """A value as JSON keeps it (a record's snapshot), to be written later in the reader's
    language: see ``restored``. Numbers and texts are kept as they would be written."""
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Words):
        return {"words": value.template, "values": {k: stored(v) for k, v in value.values}}
    if isinstance(value, tuple | list):
        return [stored(v) for v in value]
    return value if isinstance(value, int | str) or value is None else str(value)


def restored(value: object) -> object:
    """A value ``stored`` kept, as ``written`` takes it."""
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    if isinstance(value, dict) and "words" in value:
        return Words(value["words"], tuple((k, restored(v)) for k, v in value["values"].items()))
    if isinstance(value, list):
        return tuple(restored(v) for v in value)
    return value


def written(value: object, tr: Translate = recorded) -> str:
    """A value in words: a date as a date of that language, a tuple or list as a list,
    ``Words`` as a sentence, a text as the catalog has it; numbers stay as they are."""
    if value is None:
        return ""
    if isinstance(value, date):
        return fill(DAY, {"y": value.year, "m": value.month, "d": value.day}, tr)
    if isinstance(value, Words):
        return fill(value.template, dict(value.values), tr)
    if isinstance(value, tuple | list):
        return listing([written(v, tr) for v in value], tr)
    if isinstance(value, str):
        return tr(value) if value else ""
    return str(value)


def bare(text: str) -> str:
    """The text without its closing punctuation or spaces (the brackets and quotes stay)."""
    return (text or "").strip().rstrip(TRAILING)


def sentence(text: str) -> str:
    """One sentence ending in exactly one full stop (a ！ or ？ it ends with is kept)."""
    text = (text or "").strip()
    core = bare(text)
    if not core:
        return ""
    end = text[len(core) :].strip()
    return core + (end[0] if end[:1] in ("！", "？") else "。")


def sentences(*parts: str) -> str:
    """Sentences one after another; empty parts drop out."""
    return "".join(sentence(p) for p in parts if bare(p))


def clauses(parts: Iterable[str], sep: str = "；") -> str:
    """Clauses joined by ``sep`` with no closing punctuation of their own (add it with
    ``sentence`` where the joined clauses end a sentence)."""
    return sep.join(b for b in (bare(p) for p in parts) if b)


def listing(items: Iterable[str], tr: Translate = recorded) -> str:
    """Items in a sentence: joined by 、, or numbered (1. …；2. …) when an item contains 、 itself,
    so the reader can still count them (the separators in the reader's language)."""
    sep = tr("、")
    items = [b for b in (bare(i) for i in items) if b]
    if any(sep.strip() in i for i in items):
        return clauses((f"{n}. {i}" for n, i in enumerate(items, start=1)), tr("；"))
    return sep.join(items)


# Punctuation that never follows itself or another of these in a sentence a person reads.
CLASHES = tuple(f"{a}{b}" for a in "。！？；，、：" for b in "。；，、：")


def clashes(text: str) -> list[str]:
    """The doubled or clashing marks in ``text`` (for tests and checks)."""
    return [c for c in CLASHES if c in text]
