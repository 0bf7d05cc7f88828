import importlib
import itertools
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from onestop.accounts.roles import Role
from onestop.audit.chains import GENESIS, chain_label, chain_of
from onestop.audit.macs import _legacy_hash, event_hash
from onestop.audit.models import LEGACY_CHAIN, SYSTEM_CHAIN, AuditAction, AuditEvent, AuditHead
from onestop.audit.services import Entry, audit_record, audit_records, publish_checkpoints
from onestop.audit.verify import Tamper, audit_verify
from onestop.core import clock
from onestop.outbox.models import OutboxEvent
from onestop.regions.models import OrgUnit

from . import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
OTHER_KEY = "dev1:" + bytes(range(40, 72)).hex()  # same key id, a key the attacker made up


def _write(n, actor=None):
    return [
        audit_record(actor=actor, action=AuditAction.REGIONS_LOAD, detail={"n": i})
        for i in range(n)
    ]


def _chain(chain=SYSTEM_CHAIN):
    return list(AuditEvent.objects.filter(chain=chain).order_by("seq"))


def _findings():
    report = audit_verify()
    return report, {(f.kind, f.seq) for f in report.findings}


def test_service_writes_leave_a_chained_event_in_the_actors_unit_chain(hlr_clerk):
    person = factories.person(actor=hlr_clerk)
    events = _chain(chain_of(hlr_clerk.org_unit_id))
    assert [e.action for e in events] == [AuditAction.PERSON_REGISTER]
    assert events[0].subject_id == str(person.pk) and events[0].seq == 1
    assert events[0].prev_hash == GENESIS and events[0].key_id == "dev1"
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(_chain()))
    assert audit_verify().ok


def test_applicants_events_go_to_their_countys_chain_not_one_for_the_province(db):
    """No acting unit (an applicant on the portal, the worker): the subject's county decides, so
    applicants in different counties never wait on one head."""
    hlr = factories.person("150702001", name="乌云")
    mzl = factories.person("150781001", name="阿拉坦")
    for person in (hlr, mzl):
        audit_record(actor=None, action=AuditAction.CITIZEN_SIGN_IN, subject=person)
    assert chain_of(None, hlr) == "region:150702" and chain_of(None, mzl) == "region:150781"
    for county, person in (("150702", hlr), ("150781", mzl)):  # registered, then signed in
        assert {e.subject_id for e in _chain(f"region:{county}")} == {str(person.pk)}
    assert chain_of(None) == SYSTEM_CHAIN and audit_verify().ok
    assert chain_label("region:150702") == "海拉尔区（申请人和系统）"


def test_events_written_together_continue_each_chain_in_order(db):
    """A batch (a month's rolls for every county, say) spread over chains, one of them new:
    each chain continues where it was, in the batch's order, and the whole verifies."""
    hlr = factories.person("150702001", name="乌云")
    mzl = factories.person("150781001", name="阿拉坦")
    before = len(_chain("region:150702"))
    AuditHead.objects.filter(chain="region:150781").delete()  # as if its first event
    AuditEvent.objects.filter(chain="region:150781")._raw_delete(connection.alias)
    events = audit_records(
        [
            Entry(None, AuditAction.CITIZEN_SIGN_IN, hlr, {"n": 1}),
            Entry(None, AuditAction.CITIZEN_SIGN_IN, mzl, {"n": 2}),
            Entry(None, AuditAction.REGIONS_LOAD, None, {"n": 3}),
            Entry(None, AuditAction.CITIZEN_SIGN_IN, hlr, {"n": 4}),
        ]
    )
    assert [(e.chain, e.seq) for e in events] == [
        ("region:150702", before + 1),
        ("region:150781", 1),
        (SYSTEM_CHAIN, events[2].seq),
        ("region:150702", before + 2),
    ]
    assert [e.detail["n"] for e in _chain("region:150702")[-2:]] == [1, 4]
    assert AuditHead.objects.get(chain="region:150702").seq == before + 2
    assert audit_verify().ok


def test_an_edited_record_is_named_with_its_chain_and_seq(hlr_clerk, capsys):
    _write(6, actor=hlr_clerk)
    _write(2)
    call_command("verify_audit")
    assert "审计链完好" in capsys.readouterr().out
    chain = chain_of(hlr_clerk.org_unit_id)
    target = _chain(chain)[2]
    AuditEvent.objects.filter(pk=target.pk).update(detail={"n": 99})  # bypassing save()
    report, found = _findings()
    assert found == {(Tamper.EDITED, 3)}
    assert report.findings[0].chain == chain and SYSTEM_CHAIN in report.intact
    with pytest.raises(CommandError, match="记录被修改"):
        call_command("verify_audit")
    err = capsys.readouterr().err
    assert f"审计链「{hlr_clerk.org_unit.name}」" in err
    assert "第 3 条" in err and "记录被修改" in err


def test_a_record_deleted_in_the_middle_is_named():
    events = _write(6)
    AuditEvent.objects.filter(pk=events[2].pk)._raw_delete(AuditEvent.objects.db)
    assert _findings()[1] == {(Tamper.DELETED, 3)}


def test_two_swapped_records_are_named_as_reordered():
    events = _write(6)
    a, b = events[2], events[3]
    AuditEvent.objects.filter(pk=a.pk).update(seq=-1)
    AuditEvent.objects.filter(pk=b.pk).update(seq=3)
    AuditEvent.objects.filter(pk=a.pk).update(seq=4)
    report, found = _findings()
    # B now at 3 follows 4, A at 4 follows 2, C at 5 follows 3: every broken link says so.
    assert found == {(Tamper.REORDERED, 3), (Tamper.REORDERED, 4), (Tamper.REORDERED, 5)}
    assert "第 3 条事件原本接在第 4 条之后" in report.findings[0].message


def test_cutting_the_tail_and_moving_the_head_back_is_detected():
    events = _write(6)
    AuditEvent.objects.filter(pk__in=[e.pk for e in events[4:]])._raw_delete(AuditEvent.objects.db)
    AuditHead.objects.filter(chain=SYSTEM_CHAIN).update(seq=4, hash=events[3].hash)
    report, found = _findings()
    assert {kind for kind, _ in found} == {Tamper.TRUNCATED}
    assert "签名不符" in report.findings[0].message


def test_a_deleted_head_is_named():
    _write(3)
    AuditHead.objects.filter(chain=SYSTEM_CHAIN)._raw_delete(AuditHead.objects.db)
    report, found = _findings()
    assert found == {(Tamper.TRUNCATED, 3)} and "链头记录被删除" in report.findings[0].message


def test_a_replayed_old_head_is_caught_by_the_published_checkpoint():
    _write(4)
    old_head = AuditHead.objects.values("seq", "hash", "key_id", "mac").get(chain=SYSTEM_CHAIN)
    events = _write(2)
    assert publish_checkpoints() == 1
    # The attacker saved the head when it was at 4 (its MAC is genuine) and puts it back.
    AuditEvent.objects.filter(pk__in=[e.pk for e in events])._raw_delete(AuditEvent.objects.db)
    AuditHead.objects.filter(chain=SYSTEM_CHAIN).update(**old_head)
    report, found = _findings()
    assert found == {(Tamper.TRUNCATED, 5)}
    assert "已发布的检查点记录到第 6 条，库中只到第 4 条" in report.findings[0].message


def _recompute_from(seq, attacker_hash, chain=SYSTEM_CHAIN):
    """What a database writer does: change a record, then rewrite every later hash and the head."""
    events = _chain(chain)
    prev = events[seq - 2].hash if seq > 1 else GENESIS
    for e in events[seq - 1 :]:
        if e.seq == seq:
            e.detail = {"n": "forged"}
        e.prev_hash = prev
        e.hash = attacker_hash(e)
        AuditEvent.objects.filter(pk=e.pk).update(detail=e.detail, prev_hash=prev, hash=e.hash)
        prev = e.hash
    AuditHead.objects.filter(chain=chain).update(seq=events[-1].seq, hash=prev)


def _plain_sm3(event):
    digest = hashes.Hash(hashes.SM3())
    digest.update(json.dumps([event.seq, event.detail, event.prev_hash]).encode())
    return digest.finalize().hex()


def _wrong_key(event):
    with override_settings(AUDIT_KEYS=OTHER_KEY):
        return event_hash(event)


@pytest.mark.parametrize("attacker_hash", [_plain_sm3, _wrong_key, _legacy_hash])
def test_recomputing_forward_without_the_key_is_named(attacker_hash):
    _write(6)
    _recompute_from(3, attacker_hash)
    report, found = _findings()
    assert found == {(Tamper.RECOMPUTED, 3)}
    assert "第 3–6 条" in report.findings[0].message


def test_recomputing_the_head_mac_too_is_still_caught(settings):
    _write(6)
    publish_checkpoints()
    _recompute_from(5, _wrong_key)
    with override_settings(AUDIT_KEYS=OTHER_KEY):
        # Even the head's MAC, with the attacker's key.
        from onestop.audit.macs import head_mac

        head = AuditHead.objects.get(chain=SYSTEM_CHAIN)
        AuditHead.objects.filter(pk=head.pk).update(
            mac=head_mac(chain=head.chain, seq=head.seq, hash=head.hash, key_id="dev1")
        )
    kinds = {kind for kind, _ in _findings()[1]}
    assert kinds == {Tamper.RECOMPUTED}  # the run and the checkpoint at 6 both say so


def test_events_under_an_old_key_still_verify_after_rotation(settings):
    _write(3)
    old = settings.AUDIT_KEYS
    new = "k2:" + bytes(range(100, 132)).hex()
    settings.AUDIT_KEYS, settings.AUDIT_KEY_ID = f"{new},{old}", "k2"
    _write(3)
    assert [e.key_id for e in _chain()] == ["dev1"] * 3 + ["k2"] * 3
    assert audit_verify().ok
    settings.AUDIT_KEYS = new  # the old key thrown away: its events can no longer be vouched for
    assert not audit_verify().ok


def test_checkpoints_go_to_the_file_and_to_the_supervising_bureau(hlr_clerk, settings):
    _write(2, actor=hlr_clerk)
    _write(1)
    assert publish_checkpoints() == 2
    assert publish_checkpoints() == 0  # nothing changed, nothing published again
    lines = [json.loads(x) for x in settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()]
    assert {(x["chain"], x["seq"]) for x in lines} == {
        (chain_of(hlr_clerk.org_unit_id), 2),
        (SYSTEM_CHAIN, 2),  # the clerk's account creation and the event above
    }
    assert all(x["mac"] and x["key"] == "dev1" for x in lines)
    sent = OutboxEvent.objects.filter(topic=OutboxEvent.Topic.AUDIT_CHECKPOINT)
    province_gov = OrgUnit.objects.get(department="gov", region__parent__isnull=True)
    assert {e.unit.code for e in sent} == {"gov-150702", province_gov.code}
    assert audit_verify().checkpoints == 2


def test_a_forged_checkpoint_line_is_named(settings):
    _write(2)
    publish_checkpoints()
    line = json.loads(settings.AUDIT_CHECKPOINT_FILE.read_text())
    line["seq"] = 1
    with settings.AUDIT_CHECKPOINT_FILE.open("a") as f:
        f.write(json.dumps(line) + "\n")
    report, found = _findings()
    assert found == {(Tamper.FORGED_CHECKPOINT, 0)}
    assert "第 2 行" in report.findings[0].message


def test_the_old_global_chain_is_kept_as_a_sealed_legacy_chain():
    """What migration 0005 does with events written before chains per unit existed."""
    prev = GENESIS
    for seq in range(1, 5):
        e = AuditEvent(
            chain=LEGACY_CHAIN,
            seq=seq,
            at=datetime(2026, 1, 1, tzinfo=UTC),
            action=AuditAction.REGIONS_LOAD,
            detail={"n": seq},
            prev_hash=prev,
        )
        e.hash = _legacy_hash(e)
        e.save()
        prev = e.hash
    AuditHead.objects.create(chain=LEGACY_CHAIN, seq=4, hash=prev)  # as the schema change leaves it
    migration = importlib.import_module("onestop.audit.migrations.0005_chains_per_unit_keyed")
    migration.seal_legacy_head(apps, None)
    _write(2)
    assert audit_verify().ok and _chain()[0].seq == 1
    # The old chain had no key, so rewriting its tail and head is still caught by the seal.
    last = _chain(LEGACY_CHAIN)[-1]
    AuditEvent.objects.filter(pk=last.pk)._raw_delete(AuditEvent.objects.db)
    AuditHead.objects.filter(chain=LEGACY_CHAIN).update(seq=3, hash=last.prev_hash)
    assert {kind for kind, _ in _findings()[1]} == {Tamper.TRUNCATED}


def test_events_cannot_be_changed_or_deleted_through_the_model():
    event = audit_record(actor=None, action=AuditAction.REGIONS_LOAD)
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_the_nightly_task_reports_the_chain_state_and_publishes():
    from onestop.audit.tasks import publish_audit_checkpoints, verify_audit_chain_nightly

    night = datetime(2026, 12, 1, 18, 17, tzinfo=UTC)  # 02:17 in Beijing
    with clock.frozen(night):
        audit_record(actor=None, action=AuditAction.REGIONS_LOAD)
        assert verify_audit_chain_nightly.call_local() is True
        assert verify_audit_chain_nightly.call_local() is None  # once a night, however asked
    assert AuditHead.objects.get(chain=SYSTEM_CHAIN).published_seq == 1
    with clock.frozen(night + timedelta(minutes=10)):
        audit_record(actor=None, action=AuditAction.REGIONS_LOAD)
        assert publish_audit_checkpoints.call_local() == 1
    AuditEvent.objects.update(detail={"forged": True})
    with clock.frozen(night + timedelta(days=1)):
        assert verify_audit_chain_nightly.call_local() is False


# Concurrency: real processes, each with its own database connection.

N_WRITERS = 4
WRITES = 8
HOLD = 0.05  # seconds each writer keeps its transaction open after the audit event


def _run_writers(users) -> float:
    """Seconds from the start signal until every writer has finished."""
    db = str(connection.settings_dict["NAME"])
    procs = [
        subprocess.Popen(  # noqa: S603 (our own module, our own arguments)
            [sys.executable, "-m", "tests.audit_writer", db, str(u.pk), str(WRITES), str(HOLD)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for u in users
    ]
    try:
        for p in procs:  # each connected and waiting at the start line
            assert p.stdout.readline().strip() == "ready"
        start = time.monotonic()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        finished = [p.stdout.readline().strip() for p in procs]
        elapsed = time.monotonic() - start
        codes = [p.wait(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert finished == ["done"] * len(procs) and codes == [0] * len(procs)
    return elapsed


@pytest.mark.django_db(transaction=True)
def test_writers_in_different_units_do_not_wait_for_each_other(reference_data):
    counties = ["150702", "150703", "150721", "150781"][:N_WRITERS]
    spread = [
        factories.staff(f"aw_{c}", Role.COUNTY_CIVIL, f"civil-{c}", name="并发") for c in counties
    ]
    together = [
        factories.staff(f"aw_same{i}", Role.COUNTY_CIVIL, "civil-150782", name="并发")
        for i in range(N_WRITERS)
    ]
    apart_seconds = _run_writers(spread)
    same_seconds = _run_writers(together)
    for user in spread:  # no gap, no fork
        assert [e.seq for e in _chain(chain_of(user.org_unit_id))] == list(range(1, WRITES + 1))
    same = _chain(chain_of(together[0].org_unit_id))
    assert [e.seq for e in same] == list(range(1, N_WRITERS * WRITES + 1))
    assert audit_verify().ok
    serial = N_WRITERS * WRITES * HOLD
    assert same_seconds >= serial  # one unit: its writers take turns, on every database
    if connection.vendor == "postgresql":
        # SQLite has one writer for the whole file, so only PostgreSQL can show the gain.
        assert apart_seconds < 0.6 * same_seconds, (apart_seconds, same_seconds)
