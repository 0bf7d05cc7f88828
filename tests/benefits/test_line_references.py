"""The database keeps a payment line true to its entitlement and its roll: on PostgreSQL the
lines' references are checked per statement (a month's run writes a million of them), on SQLite
by Django's foreign keys."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError

from onestop.benefits.models import Entitlement, Kind, PaymentLine, PaymentRun
from onestop.benefits.prepare import LINE_FIELDS, run_prepare
from onestop.core.bulk import insert_rows
from onestop.regions.models import Region

from .. import factories
from ..cases.helpers import at

APRIL = date(2026, 4, 1)


def _entitled(county: str, township: str, start: date, end: date | None = None) -> Entitlement:
    return Entitlement.objects.create(
        person=factories.person(township),
        kind=Kind.LIVING,
        county_id=county,
        amount=Decimal(100),
        start=start,
        end=end,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _refused(rows: list[tuple]) -> bool:
    try:
        with transaction.atomic():
            insert_rows(PaymentLine, list(LINE_FIELDS), rows)
            connection.check_constraints()  # SQLite's foreign keys wait for the commit
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
def test_a_line_must_refer_to_an_entitlement_and_a_roll_and_never_be_repointed(staff):
    entitlement = _entitled("150702", "150702001", date(2026, 1, 1))
    other = factories.person("150702001")
    with at(APRIL):
        run = run_prepare(
            actor=staff["county"],
            county=Region.objects.get(code="150702"),
            kind="LIVING",
            month=APRIL,
        ).run
    may = date(2026, 5, 1)
    good = (run.pk, entitlement.pk, entitlement.person_id, "LIVING", may, 0, "regular", 100)
    rest = ("pending", "")

    assert _refused([(run.pk, 10**9, *good[2:], *rest)])  # no such entitlement
    assert _refused([(10**9, *good[1:], *rest)])  # no such roll
    if connection.vendor == "postgresql":  # the per-statement check asks more than a key
        medical = PaymentRun.objects.create(
            county_id="150702", kind=Kind.MEDICAL, month=APRIL, status="preparing"
        )
        assert _refused([(*good[:2], other.pk, *good[3:], *rest)])  # another's entitlement
        assert _refused([(*good[:3], "NURSING", *good[4:], *rest)])  # another kind
        assert _refused([(medical.pk, *good[1:], *rest)])  # a roll of another kind
    assert not _refused([(*good, *rest)])

    line = PaymentLine.objects.get(month=may)
    with pytest.raises(IntegrityError), transaction.atomic():  # never re-pointed
        PaymentLine.objects.filter(pk=line.pk).update(run_id=10**9)
        connection.check_constraints()  # SQLite's foreign keys wait for the commit


@pytest.mark.django_db
def test_an_entitlement_or_roll_with_lines_cannot_be_deleted(staff):
    entitlement = _entitled("150702", "150702001", date(2026, 4, 1))
    with at(APRIL):
        run = run_prepare(
            actor=staff["county"],
            county=Region.objects.get(code="150702"),
            kind="LIVING",
            month=APRIL,
        ).run
    assert run.lines.count() == 1
    for rows in (
        Entitlement.objects.filter(pk=entitlement.pk),
        PaymentRun.objects.filter(pk=run.pk),
    ):
        with pytest.raises(ProtectedError):  # the models say so
            rows.delete()
        with pytest.raises(IntegrityError), transaction.atomic():  # and so does the database
            rows._raw_delete(rows.db)
            connection.check_constraints()  # SQLite's foreign keys wait for the commit
    assert run.lines.count() == 1


@pytest.mark.django_db
def test_a_person_paid_this_month_by_another_county_is_not_paid_again(staff):
    """Moved in April: the old county's April roll pays April, the new county's does not."""
    old = _entitled("150781", "150781001", date(2026, 1, 1), end=APRIL)
    new = Entitlement.objects.create(
        person=old.person,
        kind=Kind.LIVING,
        county_id="150702",
        amount=Decimal(100),
        start=APRIL,
        created_at=datetime(2026, 4, 20, tzinfo=UTC),
    )
    neighbour = _entitled("150702", "150702001", date(2026, 4, 1))
    with at(APRIL):
        for code in ("150781", "150702"):
            run_prepare(
                actor=None, county=Region.objects.get(code=code), kind="LIVING", month=APRIL
            )
    paid = PaymentLine.objects.filter(month=APRIL).values_list("entitlement_id", flat=True)
    assert sorted(paid) == sorted([old.pk, neighbour.pk])
    run = PaymentRun.objects.get(county_id="150702", month=APRIL)
    assert (run.status, run.line_count, run.total) == ("prepared", 1, Decimal("100.00"))
    assert new.lines.count() == 0
