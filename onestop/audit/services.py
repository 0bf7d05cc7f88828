"""Writing the audit chains and publishing their checkpoints.

Why this shape: one chain per acting org unit, per county for events without one (applicants,
the worker; see ``chains.chain_of``), and a system chain for the rest means ``audit_record``
locks only its own chain's head, so writers in different units and counties never wait on each
other. Each hash is an HMAC over the event and the previous hash with a key held outside the
database (``macs``), so whoever can write the database but lacks the key cannot recompute the
chain forward. Heads carry a MAC too, and checkpoints of every head are published outside the
database (an append-only file and an outbox event to the 政务服务局), so cutting the tail and
moving the head back shows as well (``verify``).

Events written before the chains existed form the sealed ``legacy`` chain, still checked with the
old unkeyed SM3 rule; its head was sealed with the key when it was migrated.
"""

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction

from onestop.core import clock
from onestop.core.bulk import update_rows

from .chains import GENESIS, chain_of, supervising_unit
from .macs import (
    archive_checkpoint_mac,
    audit_keys,
    checkpoint_mac,
    event_hash,
    head_mac,
    mac_matches,
)
from .models import AuditAction, AuditEvent, AuditHead

if TYPE_CHECKING:
    from onestop.accounts.actors import Actor


@dataclass(frozen=True)
class Entry:
    """One event for ``audit_records``: the arguments of ``audit_record``."""

    actor: "Actor"
    action: AuditAction
    subject: models.Model | None = None
    detail: dict[str, Any] | None = None


def audit_record(
    *,
    actor: "Actor",
    action: AuditAction,
    subject: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the actor's unit chain; call inside the transaction of the change.

    The head lock is held until that transaction ends, but only writers of the same unit wait."""
    [event] = audit_records([Entry(actor, action, subject, detail)])
    return event


def audit_records(entries: list[Entry]) -> list[AuditEvent]:
    """Append events in order, each to its own chain, set-wise: the chains' heads made if new
    and locked in one statement (in the order of their names, so two batches never wait on each
    other in a circle), the events in one INSERT, the heads moved in one UPDATE."""
    if not entries:
        return []
    key_id = audit_keys().current
    now = clock.now()
    events = []
    for entry in entries:
        actor = entry.actor if getattr(entry.actor, "pk", None) else None
        unit_id = getattr(actor, "org_unit_id", None)
        subject = entry.subject
        events.append(
            AuditEvent(
                chain=chain_of(unit_id, subject),
                at=now,
                actor=actor,
                actor_role=getattr(actor, "role", "") or "",
                org_unit_id=unit_id,
                action=entry.action,
                subject_type=subject._meta.label_lower if subject is not None else "",
                subject_id=str(subject.pk) if subject is not None else "",
                detail=entry.detail or {},
                key_id=key_id,
            )
        )
    chains = sorted({e.chain for e in events})
    with transaction.atomic(savepoint=False):
        heads = _heads_locked(chains)
        if len(heads) < len(chains):  # a chain's first event: its head is made, then locked
            AuditHead.objects.bulk_create(
                [AuditHead(chain=c, seq=0, hash=GENESIS) for c in chains if c not in heads],
                ignore_conflicts=True,  # another writer made it meanwhile
            )
            heads = _heads_locked(chains)
        for event in events:
            head = heads[event.chain]
            event.seq, event.prev_hash = head.seq + 1, head.hash
            event.hash = event_hash(event) or ""
            head.seq, head.hash, head.key_id = event.seq, event.hash, key_id
            head.mac = head_mac(chain=head.chain, seq=head.seq, hash=head.hash, key_id=key_id) or ""
        AuditEvent.objects.bulk_create(events)
        update_rows(
            AuditHead,
            ["seq", "hash", "key_id", "mac"],
            [(h.pk, h.seq, h.hash, h.key_id, h.mac) for h in heads.values()],
        )
    return events


def _heads_locked(chains: list[str]) -> dict[str, AuditHead]:
    locked = AuditHead.objects.select_for_update().filter(chain__in=chains).order_by("chain")
    return {head.chain: head for head in locked}


def publish_checkpoints(chains: Iterable[str] | None = None) -> int:
    """Write each changed head (chain, seq, hash, at), signed, to the file and the outbox.

    Only heads whose own MAC holds are published, so a forged head is never sealed. The file line
    is on disk before the outbox row commits; a failure in between only repeats a line."""
    from onestop.outbox.models import OutboxEvent
    from onestop.outbox.services import emit

    heads = AuditHead.objects.filter(seq__gt=models.F("published_seq")).order_by("chain")
    if chains is not None:
        heads = heads.filter(chain__in=list(chains))
    key_id = audit_keys().current
    at = clock.now().isoformat()
    points = []
    for head in heads:
        expected = head_mac(chain=head.chain, seq=head.seq, hash=head.hash, key_id=head.key_id)
        if not mac_matches(expected, head.mac):
            continue
        line = {"chain": head.chain, "seq": head.seq, "hash": head.hash, "at": at, "key": key_id}
        line["mac"] = checkpoint_mac(
            chain=head.chain, seq=head.seq, hash=head.hash, at=at, key_id=key_id
        )
        points.append((head, line))
    if not points:
        return 0
    _append_checkpoints([line for _, line in points])
    cache: dict = {}
    with transaction.atomic():
        for head, line in points:
            emit(
                topic=OutboxEvent.Topic.AUDIT_CHECKPOINT,
                payload=line,
                unit=supervising_unit(head.chain, cache),
            )
            AuditHead.objects.filter(pk=head.pk, published_seq__lt=head.seq).update(
                published_seq=head.seq
            )
    return len(points)


def _append_checkpoints(lines: list[dict[str, Any]]) -> None:
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def seal_archive_checkpoints(*, last_events: list[AuditEvent], month: str) -> None:
    """Before a month of events is detached, publish each chain's last event in it, signed as
    an archive checkpoint: verification starts that chain there once the month is gone from
    the table. Raises ValueError if one of those events fails its keyed hash (it is not sealed;
    the month must be looked into before it is archived)."""
    from onestop.outbox.models import OutboxEvent
    from onestop.outbox.services import emit

    key_id = audit_keys().current
    at = clock.now().isoformat()
    lines = []
    for event in last_events:
        if not mac_matches(event_hash(event), event.hash):
            raise ValueError(f"审计链「{event.chain}」第 {event.seq} 条事件的哈希不符，不能归档")
        line: dict[str, Any] = {
            "chain": event.chain,
            "seq": event.seq,
            "hash": event.hash,
            "at": at,
            "archived": month,
            "key": key_id,
        }
        line["mac"] = archive_checkpoint_mac(
            chain=event.chain, seq=event.seq, hash=event.hash, at=at, archived=month, key_id=key_id
        )
        lines.append(line)
    if not lines:
        return
    _append_checkpoints(lines)
    cache: dict = {}
    with transaction.atomic():
        for line in lines:
            emit(
                topic=OutboxEvent.Topic.AUDIT_CHECKPOINT,
                payload=line,
                unit=supervising_unit(line["chain"], cache),
            )
