"""Writing and verifying the audit chains.

Why this shape: one chain per acting org unit, per county for events without one (applicants,
the worker; see ``chain_of``), and a system chain for the rest means ``audit_record`` locks only
its own chain's head, so writers in different units and counties never wait on each other.
Each hash is an HMAC over the event and the previous hash with a key held outside the database
(``ONESTOP_AUDIT_KEYS``; the key id is stored for rotation), so whoever can write the database
but lacks the key cannot recompute the chain forward. Heads carry a MAC too, and checkpoints of
every head are published outside the database (an append-only file and an outbox event to the
政务服务局), so cutting the tail and moving the head back shows as well.

Events written before the chains existed form the sealed ``legacy`` chain, still checked with the
old unkeyed SM3 rule; its head was sealed with the key when it was migrated.
"""

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction

from onestop.core import clock

from .models import LEGACY_CHAIN, SYSTEM_CHAIN, AuditAction, AuditEvent, AuditHead

if TYPE_CHECKING:
    from onestop.accounts.actors import Actor
    from onestop.regions.models import OrgUnit

GENESIS = "0" * 64
HASHES = {"hmac-sm3": hashes.SM3, "hmac-sha256": hashes.SHA256}
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class AuditKeys:
    keys: dict[str, bytes]
    current: str
    algorithm: str


@lru_cache(maxsize=8)
def _parse_keys(keys: str, current: str, algorithm: str) -> AuditKeys:
    if algorithm not in HASHES:
        raise ImproperlyConfigured("ONESTOP_AUDIT_HASH must be hmac-sm3 or hmac-sha256.")
    parsed: dict[str, bytes] = {}
    for item in keys.split(","):
        kid, _, hexkey = item.strip().partition(":")
        try:
            key = bytes.fromhex(hexkey)
        except ValueError:
            raise ImproperlyConfigured(f"ONESTOP_AUDIT_KEYS: key {kid!r} is not hex.") from None
        if not kid or len(kid) > 16:
            raise ImproperlyConfigured("ONESTOP_AUDIT_KEYS: each key needs an id of 1-16 chars.")
        # A random key of 32 bytes has about 30 distinct byte values; far fewer means a made-up one.
        if len(key) < MIN_KEY_BYTES or len(set(key)) < 16:
            raise ImproperlyConfigured(
                f"ONESTOP_AUDIT_KEYS: key {kid!r} must be at least {MIN_KEY_BYTES} random bytes."
            )
        parsed[kid] = key
    current = current or next(iter(parsed))
    if current not in parsed:
        raise ImproperlyConfigured(
            f"ONESTOP_AUDIT_KEY_ID {current!r} is not in ONESTOP_AUDIT_KEYS."
        )
    return AuditKeys(parsed, current, algorithm)


def audit_keys() -> AuditKeys:
    return _parse_keys(settings.AUDIT_KEYS, settings.AUDIT_KEY_ID, settings.AUDIT_HASH)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _signed(expected: str | None, stored: Any) -> bool:
    return expected is not None and secrets.compare_digest(expected.encode(), str(stored).encode())


def _mac(key_id: str, purpose: str, content: bytes) -> str | None:
    """The keyed hash, or None when the key id is unknown (so nothing can verify)."""
    ring = audit_keys()
    if key_id not in ring.keys:
        return None
    mac = hmac.HMAC(ring.keys[key_id], HASHES[ring.algorithm]())
    mac.update(purpose.encode() + b"\x00" + content)
    return mac.finalize().hex()


def _legacy_hash(event: AuditEvent) -> str:
    """The rule of the unkeyed global chain, for events migrated into the legacy chain."""
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
    digest = hashes.Hash(hashes.SM3())
    digest.update(_json(fields))
    return digest.finalize().hex()


def event_hash(event: AuditEvent) -> str | None:
    if event.chain == LEGACY_CHAIN and not event.key_id:
        return _legacy_hash(event)
    content = [
        event.chain,
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
    return _mac(event.key_id, "event", _json(content))


def head_mac(*, chain: str, seq: int, hash: str, key_id: str) -> str | None:
    return _mac(key_id, "head", _json([chain, seq, hash]))


def checkpoint_mac(*, chain: str, seq: int, hash: str, at: str, key_id: str) -> str | None:
    return _mac(key_id, "checkpoint", _json([chain, seq, hash, at]))


def chain_of(unit_id: int | None, subject: models.Model | None = None) -> str:
    """The acting unit's chain; without one (applicants, the worker), the chain of the county the
    subject belongs to, so applicants in different counties do not wait on each other either."""
    if unit_id:
        return f"unit:{unit_id}"
    county = getattr(subject, "county_id", None) or (
        str(getattr(subject, "hukou_region_id", "") or "")[:6] or None
    )
    return f"region:{county}" if county else SYSTEM_CHAIN


def audit_record(
    *,
    actor: "Actor",
    action: AuditAction,
    subject: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the actor's unit chain; call inside the transaction of the change.

    The head lock is held until that transaction ends, but only writers of the same unit wait."""
    real_actor = actor if getattr(actor, "pk", None) else None
    unit_id = getattr(real_actor, "org_unit_id", None)
    chain = chain_of(unit_id, subject)
    key_id = audit_keys().current
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            chain=chain, defaults={"seq": 0, "hash": GENESIS}
        )
        event = AuditEvent(
            chain=chain,
            seq=head.seq + 1,
            at=clock.now(),
            actor=real_actor,
            actor_role=getattr(real_actor, "role", "") or "",
            org_unit_id=unit_id,
            action=action,
            subject_type=subject._meta.label_lower if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
            detail=detail or {},
            prev_hash=head.hash,
            key_id=key_id,
        )
        event.hash = event_hash(event) or ""
        event.save()
        AuditHead.objects.filter(pk=head.pk).update(
            seq=event.seq,
            hash=event.hash,
            key_id=key_id,
            mac=head_mac(chain=chain, seq=event.seq, hash=event.hash, key_id=key_id),
        )
    return event


class Tamper(StrEnum):
    EDITED = "记录被修改"
    DELETED = "记录被删除"
    REORDERED = "顺序被调换"
    TRUNCATED = "链尾被截断"
    RECOMPUTED = "被重新计算"
    FORGED_CHECKPOINT = "检查点被伪造"


@dataclass(frozen=True)
class Finding:
    chain: str
    seq: int
    kind: Tamper
    message: str


@dataclass
class ChainReport:
    chains: int = 0
    checked: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)
    intact: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    seq: int
    hash: str
    at: str


def _read_checkpoints(path: Path, report: ChainReport) -> dict[str, Checkpoint]:
    """The furthest signed checkpoint of each chain; unsigned or altered lines are findings."""
    latest: dict[str, Checkpoint] = {}
    if not path.exists():
        return latest
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            try:
                raw = json.loads(line)
                point = Checkpoint(raw["chain"], int(raw["seq"]), raw["hash"], raw["at"])
                expected = checkpoint_mac(
                    chain=point.chain,
                    seq=point.seq,
                    hash=point.hash,
                    at=point.at,
                    key_id=raw["key"],
                )
                signed = _signed(expected, raw["mac"])
            except (ValueError, KeyError, TypeError):
                signed = False
            if not signed:
                report.findings.append(
                    Finding(
                        "",
                        0,
                        Tamper.FORGED_CHECKPOINT,
                        f"检查点文件第 {lineno} 行签名不符",
                    )
                )
                continue
            report.checkpoints += 1
            if point.chain not in latest or point.seq > latest[point.chain].seq:
                latest[point.chain] = point
    return latest


class _ChainWalk:
    """Checks one chain event by event and names what broke it."""

    def __init__(self, chain: str, head: AuditHead | None, checkpoint: Checkpoint | None):
        self.chain = chain
        self.head = head
        self.checkpoint = checkpoint
        self.findings: list[Finding] = []
        self.prev: AuditEvent | None = None
        self.prev_failed = False
        self.run: list[AuditEvent] = []  # consecutive events whose keyed hash fails
        self.run_recomputed = False
        self.checked = 0

    def add(self, kind: Tamper, seq: int, message: str) -> None:
        self.findings.append(Finding(self.chain, seq, kind, message))

    def step(self, event: AuditEvent) -> None:
        self.checked += 1
        prev_seq = self.prev.seq if self.prev else 0
        prev_hash = self.prev.hash if self.prev else GENESIS
        reordered = False
        if event.seq != prev_seq + 1 or event.prev_hash != prev_hash:
            origin = AuditEvent.objects.filter(chain=self.chain, hash=event.prev_hash).first()
            if origin is not None and origin.seq != prev_seq:
                reordered = True
                self.add(
                    Tamper.REORDERED,
                    event.seq,
                    f"第 {event.seq} 条事件原本接在第 {origin.seq} 条之后",
                )
            elif event.seq != prev_seq + 1:
                first, last = prev_seq + 1, event.seq - 1
                span = f"第 {first} 条" if first == last else f"第 {first}–{last} 条"
                self.add(Tamper.DELETED, first, f"{span}事件不见了，链在此断开")
            elif not self.prev_failed:
                self.add(
                    Tamper.DELETED,
                    event.seq,
                    f"第 {event.seq} 条事件之前有事件被删除，其后的事件被重新编号",
                )
        ok = event_hash(event) == event.hash
        if (
            self.checkpoint
            and self.checkpoint.seq == event.seq
            and self.checkpoint.hash != event.hash
        ):
            self.run_recomputed = True
            self.add(
                Tamper.RECOMPUTED,
                event.seq,
                f"第 {event.seq} 条事件的哈希与已发布的检查点不符",
            )
        if ok or reordered:
            self._close_run()
        else:
            self.run.append(event)
        self.prev = event
        self.prev_failed = not ok

    def _close_run(self, head_disagrees: bool = False) -> None:
        if not self.run:
            return
        first, last = self.run[0].seq, self.run[-1].seq
        # An edit leaves the stored hash alone, so a lone bad event is an edit; a run of them, or
        # one the head or a checkpoint no longer agrees with, had its hashes rewritten.
        if len(self.run) > 1 or head_disagrees or self.run_recomputed:
            span = f"第 {first} 条" if first == last else f"第 {first}–{last} 条"
            self.add(
                Tamper.RECOMPUTED,
                first,
                f"{span}事件的哈希用密钥验证不通过而链接完整：有人不持密钥重新计算了这一段",
            )
        else:
            self.add(Tamper.EDITED, first, f"第 {first} 条事件的内容与密钥哈希不符")
        self.run = []
        self.run_recomputed = False

    def finish(self) -> None:
        tail_seq = self.prev.seq if self.prev else 0
        tail_hash = self.prev.hash if self.prev else GENESIS
        head = self.head
        head_disagrees = False
        if head is None:
            if self.prev is not None:
                self.add(Tamper.TRUNCATED, tail_seq, "链头记录被删除，无法确认链尾是否完整")
        else:
            expected = head_mac(chain=head.chain, seq=head.seq, hash=head.hash, key_id=head.key_id)
            if not _signed(expected, head.mac):
                head_disagrees = True
                if (head.seq, head.hash) != (tail_seq, tail_hash) or not self.run:
                    self.add(
                        Tamper.TRUNCATED,
                        head.seq,
                        f"链头（第 {head.seq} 条）签名不符：链头被改写",
                    )
            elif head.seq > tail_seq:
                self.add(
                    Tamper.TRUNCATED,
                    tail_seq + 1,
                    f"链头记录到第 {head.seq} 条，库中只到第 {tail_seq} 条",
                )
            elif head.hash != tail_hash:
                head_disagrees = True
        self._close_run(head_disagrees)
        if self.checkpoint and self.checkpoint.seq > tail_seq:
            left = f"库中只到第 {tail_seq} 条" if tail_seq else "库中已没有这条链"
            self.add(
                Tamper.TRUNCATED,
                tail_seq + 1,
                f"已发布的检查点记录到第 {self.checkpoint.seq} 条，{left}",
            )


def audit_verify() -> ChainReport:
    """Check every chain: links, keyed hashes, seq continuity, the head and the checkpoints."""
    report = ChainReport()
    checkpoints = _read_checkpoints(Path(settings.AUDIT_CHECKPOINT_FILE), report)
    # Heads first: every event up to a head's seq committed before it, so later writers don't
    # show up as a broken chain while we read.
    heads = {h.chain: h for h in AuditHead.objects.all()}
    walks: dict[str, _ChainWalk] = {}
    started_since: set[str] = set()  # chains whose first event came after the heads were read
    events = AuditEvent.objects.order_by("chain", "seq").iterator(chunk_size=2000)
    for event in events:
        head = heads.get(event.chain)
        if event.chain in started_since or (head is not None and event.seq > head.seq):
            continue
        walk = walks.get(event.chain)
        if walk is None:
            if head is None and AuditHead.objects.filter(chain=event.chain).exists():
                started_since.add(event.chain)
                continue
            walk = walks[event.chain] = _ChainWalk(event.chain, head, checkpoints.get(event.chain))
        walk.step(event)
    for chain in set(heads) | set(checkpoints):
        if chain not in walks:
            walks[chain] = _ChainWalk(chain, heads.get(chain), checkpoints.get(chain))
    for chain, walk in sorted(walks.items()):
        walk.finish()
        report.chains += 1
        report.checked += walk.checked
        report.findings.extend(walk.findings)
        if not walk.findings:
            report.intact.append(chain)
    return report


def chain_label(chain: str) -> str:
    from onestop.regions.models import OrgUnit

    if chain == SYSTEM_CHAIN:
        return "系统"
    if chain == LEGACY_CHAIN:
        return "升级前的全局链"
    if chain.startswith("region:"):
        from onestop.regions.models import Region

        region = Region.objects.filter(code=chain.removeprefix("region:")).first()
        return f"{region.name}（申请人和系统）" if region is not None else chain
    unit = OrgUnit.objects.filter(pk=chain.removeprefix("unit:")).first()
    return unit.name if unit is not None else chain


def _supervising_unit(chain: str, cache: dict[str | None, "OrgUnit | None"]) -> "OrgUnit | None":
    """The 政务服务局 of the chain's region or the nearest above it (the province's for system)."""
    from onestop.regions.models import Department, OrgUnit, Region

    region_code = None
    if chain.startswith("unit:"):
        region_code = (
            OrgUnit.objects.filter(pk=chain.removeprefix("unit:"))
            .values_list("region_id", flat=True)
            .first()
        )
    elif chain.startswith("region:"):
        region_code = chain.removeprefix("region:")
    if region_code not in cache:
        region = Region.objects.filter(code=region_code).first() if region_code else None
        govs = OrgUnit.objects.filter(department=Department.GOVSERVICE)
        if region is None:
            gov = govs.filter(region__parent__isnull=True).first()
        else:
            gov = (
                govs.filter(region__lft__lte=region.lft, region__rgt__gte=region.rgt)
                .order_by("-region__lft")
                .first()
            )
        cache[region_code] = gov
    return cache[region_code]


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
        if not _signed(expected, head.mac):
            continue
        line = {"chain": head.chain, "seq": head.seq, "hash": head.hash, "at": at, "key": key_id}
        line["mac"] = checkpoint_mac(
            chain=head.chain, seq=head.seq, hash=head.hash, at=at, key_id=key_id
        )
        points.append((head, line))
    if not points:
        return 0
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for _, line in points:
            f.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    cache: dict = {}
    with transaction.atomic():
        for head, line in points:
            emit(
                topic=OutboxEvent.Topic.AUDIT_CHECKPOINT,
                payload=line,
                unit=_supervising_unit(head.chain, cache),
            )
            AuditHead.objects.filter(pk=head.pk, published_seq__lt=head.seq).update(
                published_seq=head.seq
            )
    return len(points)
