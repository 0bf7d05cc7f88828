"""Verifying the audit chains: links, keyed hashes, seq continuity, heads and checkpoints, and
naming each kind of tampering found."""

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from django.conf import settings

from onestop.core import partitions

from .chains import GENESIS
from .macs import archive_checkpoint_mac, checkpoint_mac, event_hash, head_mac, mac_matches
from .models import AuditEvent, AuditHead


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
    archived: list[str] = field(default_factory=list)  # months detached ("2026-01")

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    seq: int
    hash: str
    at: str
    archived: str = ""  # the month sealed before it was detached, for an archive checkpoint


@dataclass
class Checkpoints:
    latest: dict[str, Checkpoint] = field(default_factory=dict)  # the furthest of each chain
    archive: dict[str, list[Checkpoint]] = field(default_factory=dict)


def _read_checkpoints(path: Path, report: ChainReport) -> Checkpoints:
    """The furthest signed checkpoint of each chain, and the archive checkpoints; unsigned or
    altered lines are findings."""
    found = Checkpoints()
    latest = found.latest
    if not path.exists():
        return found
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            try:
                raw = json.loads(line)
                point = Checkpoint(
                    raw["chain"], int(raw["seq"]), raw["hash"], raw["at"], raw.get("archived", "")
                )
                if point.archived:
                    expected = archive_checkpoint_mac(
                        chain=point.chain,
                        seq=point.seq,
                        hash=point.hash,
                        at=point.at,
                        archived=point.archived,
                        key_id=raw["key"],
                    )
                else:
                    expected = checkpoint_mac(
                        chain=point.chain,
                        seq=point.seq,
                        hash=point.hash,
                        at=point.at,
                        key_id=raw["key"],
                    )
                signed = mac_matches(expected, raw["mac"])
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
            if point.archived:
                found.archive.setdefault(point.chain, []).append(point)
    return found


class _Archive:
    """The detached months of audit events: still tables, read only to bridge a chain from its
    archive checkpoint to its first attached event (normally nothing lies between)."""

    def __init__(self, checkpoints: Checkpoints):
        self.checkpoints = checkpoints
        self.tables: list[tuple[str, str]] = []
        if partitions.available():
            self.tables = [
                (p.name, f"{p.month:%Y-%m}")
                for p in partitions.partitions("audit_auditevent")
                if not p.attached and p.month is not None
            ]

    def resume(self, walk: "_ChainWalk", before_seq: int) -> None:
        """Start a chain whose first events were archived at its last archive checkpoint below
        ``before_seq``, then walk any archived events between the two. Without archived months
        nothing changes: a chain missing its first events is then reported as such."""
        if not self.tables:
            return
        points = [p for p in self.checkpoints.archive.get(walk.chain, []) if p.seq < before_seq]
        if not points:
            return
        point = max(points, key=lambda p: p.seq)
        walk.prev = AuditEvent(chain=walk.chain, seq=point.seq, hash=point.hash)
        between: list[AuditEvent] = []
        for table, _ in self.tables:
            between += AuditEvent.objects.raw(
                f'SELECT * FROM "{table}" WHERE chain = %s AND seq > %s AND seq < %s',  # noqa: S608
                [walk.chain, point.seq, before_seq],
            )
        for event in sorted(between, key=lambda e: e.seq):
            walk.step(event)


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
            if not mac_matches(expected, head.mac):
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
    read = _read_checkpoints(Path(settings.AUDIT_CHECKPOINT_FILE), report)
    checkpoints = read.latest
    archive = _Archive(read)
    report.archived = [month for _, month in archive.tables]
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
            archive.resume(walk, event.seq)
        walk.step(event)
    for chain in set(heads) | set(checkpoints):
        if chain not in walks:
            head = heads.get(chain)
            walk = walks[chain] = _ChainWalk(chain, head, checkpoints.get(chain))
            # Every event of the chain archived: it ends at its last archive checkpoint.
            archive.resume(walk, head.seq + 1 if head is not None else 2**62)
    for chain, walk in sorted(walks.items()):
        walk.finish()
        report.chains += 1
        report.checked += walk.checked
        report.findings.extend(walk.findings)
        if not walk.findings:
            report.intact.append(chain)
    return report
