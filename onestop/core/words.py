"""Joining Chinese sentences and clauses: the one place that decides the punctuation between them.

Texts come from many hands (rule catalogues, officers' reasons, applicants' words), some ending in
。 and some not; joined naively they print "…照护。。如果不服" or "。；". Everything a person reads
that is built from parts goes through these functions."""

from collections.abc import Iterable

DAY = "{y}年{m}月{d}日"  # a date as people write it; a message of the catalog
STOPS = "。！？"
TRAILING = "。！？；，、：,.;: \u3000\n"


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


def listing(items: Iterable[str]) -> str:
    """Items in a sentence: joined by 、, or numbered (1. …；2. …) when an item contains 、 itself,
    so the reader can still count them."""
    items = [b for b in (bare(i) for i in items) if b]
    if any("、" in i for i in items):
        return clauses(f"{n}. {i}" for n, i in enumerate(items, start=1))
    return "、".join(items)


# Punctuation that never follows itself or another of these in a sentence a person reads.
CLASHES = tuple(f"{a}{b}" for a in "。！？；，、：" for b in "。；，、：")


def clashes(text: str) -> list[str]:
    """The doubled or clashing marks in ``text`` (for tests and checks)."""
    return [c for c in CLASHES if c in text]
