"""Shared data from the authoritative systems (自治区数据共享系统): bulk upsert, record by record.

A record is `{"id_number", "type", "value", "source", "version"}`; `version` is the source's own
ISO timestamp, and an older version never overwrites a newer one. Each record is applied on its own
(a bad one is reported and the rest go in); a person whose data changed is looked at again for
免申即享 by the worker, once the changes are committed, and a death or a move out of the county
stops the subsidies from the following month.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onestop.accounts.actors import Actor
from onestop.people.identifiers import IdentifierError

from .certificates import apply_certificates
from .facts import apply_fact
from .records import RecordError, RecordResult

CERTIFICATE_CHUNK = 5_000


def import_records(
    *, actor: Actor, records: list[Any], department: str | None = None
) -> list[RecordResult]:
    """Apply each record on its own; ``department`` limits the types (None: the platform).
    Certificates, which arrive by the hundred thousand from the certificate system, are applied
    set-wise in chunks with the same rules and the same per-record results."""
    results: dict[int, RecordResult] = {}
    touched: set[int] = set()
    certificates: list[tuple[int, Any]] = []
    for index, record in enumerate(records):
        if isinstance(record, dict) and record.get("type") == "certificate":
            certificates.append((index, record))
            continue
        try:
            with transaction.atomic():
                person, applied = apply_fact(actor, record, department)
        except (RecordError, IdentifierError) as exc:
            results[index] = RecordResult(index, "error", str(exc))
        except ValidationError as exc:
            results[index] = RecordResult(index, "error", "；".join(exc.messages))
        except PermissionDenied as exc:
            results[index] = RecordResult(index, "error", str(exc))
        else:
            results[index] = RecordResult(index, "applied" if applied else "stale")
            if applied:
                touched.add(person.pk)
    for start in range(0, len(certificates), CERTIFICATE_CHUNK):
        chunk = certificates[start : start + CERTIFICATE_CHUNK]
        touched |= apply_certificates(actor, chunk, department, results)
    if touched:
        from onestop.policy.tasks import proactive_rescan_queued

        ids = sorted(touched)
        transaction.on_commit(lambda: proactive_rescan_queued(ids))
    return [results[i] for i in range(len(records))]
