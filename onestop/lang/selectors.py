from .catalog import Entry, entries


def phrases(*, awaiting: bool, query: str = "") -> list[Entry]:
    """The messages awaiting native review (or those reviewed), in the catalog's order, those
    whose Chinese or Mongolian contains ``query``."""
    query = query.strip()
    return [
        e
        for e in entries.get().values()
        if e.reviewed != awaiting and (not query or query in e.msgid or query in e.text)
    ]


def review_counts() -> tuple[int, int]:
    """(awaiting review, reviewed)."""
    catalog = entries.get()
    reviewed = sum(e.reviewed for e in catalog.values())
    return len(catalog) - reviewed, reviewed
