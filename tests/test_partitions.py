"""The big tables by month: on PostgreSQL each is partitioned, months are created ahead and rows
leave DEFAULT when their month's partition is made; old months are detached (audit events,
payment lines: never deleted, the chains still verify) or dropped (deliveries), only when the
operator confirms, each step audited. On SQLite the tables stay as they are and the command
says so."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from onestop.audit.models import AuditAction, AuditEvent
from onestop.audit.retention import retention_plan
from onestop.audit.services import audit_record, publish_checkpoints
from onestop.audit.verify import Tamper, audit_verify
from onestop.benefits.models import Entitlement, Kind, PaymentLine, PaymentRun, Recovery
from onestop.benefits.prepare import LINE_FIELDS
from onestop.core import clock, partitions
from onestop.core.bulk import insert_rows
from onestop.notices.models import Notice
from onestop.outbox.models import Delivery, Subscription
from onestop.outbox.services import emit
from onestop.regions.models import OrgUnit

from . import factories

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"
# Beijing noon on the 10th of a month, far from every real date and from each other.
FAR = datetime(2040, 3, 10, 4, 0, tzinfo=UTC)
LATER = datetime(2039, 7, 5, 4, 0, tzinfo=UTC)  # the day the archive is applied


def noon(year: int, month: int) -> datetime:
    return datetime(year, month, 10, 4, 0, tzinfo=UTC)


def command(*args: str) -> str:
    out = StringIO()
    call_command("partitions", *args, stdout=out)
    return out.getvalue()


def rows_in(table: str) -> int:
    return partitions.count_rows(table)


def exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        return bool(cursor.fetchone()[0])


def attached(table: str) -> list[str]:
    return [p.name for p in partitions.partitions(table) if p.attached]


def test_each_big_table_is_partitioned_and_a_far_month_leaves_default_when_ensured():
    with clock.frozen(FAR):
        event = audit_record(actor=None, action=AuditAction.REGIONS_LOAD)
        Notice.objects.create(
            event="accepted", channel=Notice.Channel.INBOX, text="测试", created_at=clock.now()
        )
    if not POSTGRESQL:
        assert "不是 PostgreSQL" in command("--ensure")
        assert partitions.ensure(today=FAR.date(), ahead=3) == []
        assert AuditEvent.objects.get(pk=event.pk).at == FAR
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
        )
        assert {row[0] for row in cursor.fetchall()} >= set(partitions.TABLES)
    for table in partitions.TABLES:
        assert f"{table}_default" in attached(table)  # an insert never fails
    assert rows_in("audit_auditevent_default") == 1
    assert rows_in("notices_notice_default") == 1

    with clock.frozen(datetime(2030, 1, 10, 4, 0, tzinfo=UTC)):
        out = command("--ensure")
    assert "audit_auditevent_p2040_03" in out and "notices_notice_p2040_03" in out
    assert "audit_auditevent_p2030_04" in out  # this month and the three after it
    assert rows_in("audit_auditevent_default") == rows_in("notices_notice_default") == 0
    assert rows_in("audit_auditevent_p2040_03") == rows_in("notices_notice_p2040_03") == 1
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash  # moved, unchanged
    with clock.frozen(datetime(2030, 1, 10, 4, 0, tzinfo=UTC)):
        assert "都已存在" in command("--ensure")  # idempotent
    assert audit_verify().ok


def a_line() -> tuple:
    person = factories.person("150702001")
    entitlement = Entitlement.objects.create(
        person=person,
        kind=Kind.LIVING,
        county_id="150702",
        amount=Decimal(100),
        start=date(2040, 1, 1),
        created_at=FAR,
    )
    run = PaymentRun.objects.create(
        county_id="150702", kind=Kind.LIVING, month=date(2040, 3, 1), status="preparing"
    )
    return (run.pk, entitlement.pk, person.pk, "LIVING", date(2040, 3, 1), 0, "regular", 100)


def refused(write) -> bool:
    try:
        with transaction.atomic():
            write()
            connection.check_constraints()  # SQLite's foreign keys wait for the commit
    except IntegrityError:
        return True
    return False


def test_the_database_still_refuses_a_second_payment_line_for_a_person_kind_and_month():
    line = a_line()
    person = line[2]
    insert_rows(PaymentLine, list(LINE_FIELDS), [(*line, "pending", "")])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(PaymentLine, list(LINE_FIELDS), [(*line, "pending", "")])
    if POSTGRESQL:  # and in the month's own partition too, once it exists
        partitions.ensure(today=date(2040, 3, 1), ahead=0, only=["benefits_paymentline"])
        assert rows_in("benefits_paymentline_p2040_03") == 1
        with pytest.raises(IntegrityError), transaction.atomic():
            insert_rows(PaymentLine, list(LINE_FIELDS), [(*line, "pending", "")])
    assert PaymentLine.objects.filter(person=person).count() == 1


def test_rows_naming_a_payment_line_or_an_outbox_event_are_still_checked_by_the_database():
    insert_rows(PaymentLine, list(LINE_FIELDS), [(*a_line(), "pending", "")])
    line = PaymentLine.objects.get()
    recovery = {"entitlement_id": line.entitlement_id, "amount": 100, "created_at": FAR}
    assert refused(lambda: Recovery.objects.create(line_id=10**9, **recovery))
    Recovery.objects.create(line=line, **recovery)
    lines = PaymentLine.objects.filter(pk=line.pk)
    assert refused(lambda: lines._raw_delete(lines.db))  # named by its recovery
    lines.update(status=PaymentLine.Status.RETURNED)

    def reissue(of: int) -> PaymentLine:
        return PaymentLine.objects.create(
            run_id=line.run_id,
            entitlement_id=line.entitlement_id,
            person_id=line.person_id,
            kind=line.kind,
            month=line.month,
            type=PaymentLine.Type.REISSUE,
            amount=line.amount,
            status=PaymentLine.Status.PENDING,
            reissue_of_id=of,
        )

    assert refused(lambda: reissue(10**9))
    assert not refused(lambda: reissue(line.pk))
    unit = OrgUnit.objects.get(code="medical-150702")
    subscription = Subscription.objects.create(
        unit=unit, url="http://127.0.0.1:9/", secret_cipher="-"
    )
    event = emit(topic="matter.dispatched", payload={}, unit=unit)
    assert refused(
        lambda: Delivery.objects.create(
            event_id=event.pk + 1000,
            subscription=subscription,
            next_attempt_at=FAR,
            created_at=event.created_at,
        )
    )
    assert PaymentLine.objects.count() == 2 and Delivery.objects.count() == 1


def test_archiving_detaches_old_audit_months_keeping_every_row_and_the_chains_verify():
    for month, count in ((1, 3), (2, 2)):
        with clock.frozen(noon(2035, month)):
            for i in range(count):
                audit_record(actor=None, action=AuditAction.REGIONS_LOAD, detail={"i": i})
            publish_checkpoints()
    with clock.frozen(noon(2039, 6)):
        recent = audit_record(actor=None, action=AuditAction.REGIONS_LOAD)
    with clock.frozen(LATER):
        command("--ensure")
        plan = command("--archive")
        if not POSTGRESQL:
            assert "不是 PostgreSQL" in plan
            assert audit_verify().ok and audit_verify().archived == []
            return
        assert "audit_auditevent_p2035_01" in plan and "分离归档（不删除）" in plan
        assert "未做任何改动" in plan
        assert "audit_auditevent_p2035_01" in attached("audit_auditevent")  # nothing changed
        assert not AuditEvent.objects.filter(action=AuditAction.PARTITION_DETACH).exists()

        done = command("--archive", "--yes")
    assert "每一项均已记入审计日志" in done
    assert {"audit_auditevent_p2035_01", "audit_auditevent_p2035_02"}.isdisjoint(
        attached("audit_auditevent")
    )
    assert not AuditEvent.objects.filter(at__year=2035).exists()  # out of the table's scans
    assert rows_in("audit_auditevent_p2035_01") == 3  # and not a row deleted
    assert rows_in("audit_auditevent_p2035_02") == 2
    detached = AuditEvent.objects.filter(action=AuditAction.PARTITION_DETACH)
    assert {e.detail["partition"] for e in detached} >= {
        "audit_auditevent_p2035_01",
        "audit_auditevent_p2035_02",
    }

    report = audit_verify()
    assert report.ok, report.findings
    assert {"2035-01", "2035-02"} <= set(report.archived)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "已分离归档的月份" in out.getvalue() and "2035-02" in out.getvalue()

    # Starting from the archive checkpoint does not hide what happens after it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [recent.pk])
    report = audit_verify()
    assert any(f.kind == Tamper.DELETED and f.seq == recent.seq for f in report.findings)


def test_old_months_of_deliveries_are_dropped_once_sent_and_kept_while_one_is_pending():
    unit = OrgUnit.objects.get(code="medical-150702")
    Subscription.objects.create(unit=unit, url="http://127.0.0.1:9/", secret_cipher="-")
    for month in (1, 2):
        with clock.frozen(noon(2035, month)):
            emit(topic="matter.dispatched", payload={"month": month}, unit=unit)
    Delivery.objects.filter(created_at__month=1).update(
        status=Delivery.Status.DELIVERED, delivered_at=noon(2035, 1)
    )
    with clock.frozen(LATER):
        command("--ensure")
        if not POSTGRESQL:
            assert retention_plan(today=LATER.date()) == []
            assert Delivery.objects.count() == 2
            return
        plan = command("--archive")
        assert "exchange_delivery_p2035_02" in plan and "1 条推送仍待发送" in plan
        assert "该月的推送记录尚未删除" in plan  # the pending delivery's event stays too
        assert exists("exchange_delivery_p2035_01")  # without --yes nothing is done
        command("--archive", "--yes")
    assert not exists("exchange_delivery_p2035_01")
    assert not exists("exchange_outboxevent_p2035_01")
    assert exists("exchange_delivery_p2035_02") and exists("exchange_outboxevent_p2035_02")
    assert [d.status for d in Delivery.objects.all()] == [Delivery.Status.PENDING]
    dropped = AuditEvent.objects.filter(action=AuditAction.PARTITION_DROP)
    assert {e.detail["partition"] for e in dropped} >= {
        "exchange_delivery_p2035_01",
        "exchange_outboxevent_p2035_01",
    }


def test_the_partition_task_runs_once_a_day():
    from onestop.audit.tasks import partitions_ensure

    night = datetime(2041, 5, 20, 18, 40, tzinfo=UTC)  # 02:40 in Beijing
    with clock.frozen(night):
        first = partitions_ensure.call_local()
        assert partitions_ensure.call_local() is None  # a second consumer's run: skipped
    with clock.frozen(night + timedelta(days=1)):
        assert partitions_ensure.call_local() == []  # the next day: it runs, nothing to make
    if POSTGRESQL:
        assert "audit_auditevent_p2041_08" in first  # May and the three months after
    else:
        assert first == []
