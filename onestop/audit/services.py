import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.db import models, transaction

from onestop.core import clock

from .models import AuditAction, AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    fields = [
        event.seq,
        event.at.isoformat(),
        event.actor_id,
        event.actor_role,
        event.org_unit_id,
        event.action,
        event.subject_type,
        event.subject_id,
        event.detail,
        event.prev_hash,
    ]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def event_hash(event: AuditEvent) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(_canonical(event))
    return digest.finalize().hex()


def audit_record(
    *,
    actor: Any,
    action: AuditAction,
    subject: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; call inside the transaction of the change it records."""
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS}
        )
        real_actor = actor if getattr(actor, "pk", None) else None
        event = AuditEvent(
            seq=head.seq + 1,
            at=clock.now(),
            actor=real_actor,
            actor_role=getattr(real_actor, "role", "") or "",
            org_unit_id=getattr(real_actor, "org_unit_id", None),
            action=action,
            subject_type=subject._meta.label_lower if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
            detail=detail or {},
            prev_hash=head.hash,
        )
        event.hash = event_hash(event)
        event.save()
        AuditHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_verify() -> ChainReport:
    """Walk the chain in order; report the first event whose content or link does not hold."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, "事件缺失或序号不连续")
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.seq, "与前一条事件的链接不符")
        if event_hash(event) != event.hash:
            return ChainReport(checked, event.seq, "内容与哈希不符（记录被修改）")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return ChainReport(checked, checked + 1, "链尾事件缺失（记录被删除）")
    return ChainReport(checked)
