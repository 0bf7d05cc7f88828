"""The bulk write and look-up helpers store and find exactly what the ORM would, on either database."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from onestop.core.bulk import insert_rows, update_rows
from onestop.people.models import Certificate, Person
from onestop.people.shared_data import CERTIFICATE_NEW
from onestop.policy.models import ProactiveFinding

from . import factories

pytestmark = pytest.mark.django_db

BEIJING = timezone(timedelta(hours=8))


def test_rows_inserted_and_updated_in_bulk_read_back_as_written():
    holder = factories.person("150702001", name="批量写入", birth=date(1970, 3, 4))
    number = holder.id_number + "41"
    version = datetime(2026, 11, 1, 10, 0, tzinfo=BEIJING)
    row = (holder.pk, Certificate.seal_number(number), "k" * 64, 4, 1, date(2025, 3, 1))
    insert_rows(Certificate, CERTIFICATE_NEW, [(*row, date(2035, 3, 1), "valid", "证件", version)])
    cert = Certificate.objects.get(person=holder)
    assert (cert.number, cert.category, cert.level, cert.status) == (number, 4, 1, "valid")
    assert (cert.issue_date, cert.valid_until, cert.source) == (
        date(2025, 3, 1),
        date(2035, 3, 1),
        "证件",
    )
    assert cert.source_time == version  # the same instant, in whatever zone it was written

    later = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    fields = ["status", "valid_until", "source_time"]
    assert update_rows(Certificate, fields, [(cert.pk, "expired", date(2030, 1, 1), later)]) == 1
    cert.refresh_from_db()
    assert (cert.status, cert.valid_until, cert.source_time) == ("expired", date(2030, 1, 1), later)


def test_bulk_updates_keep_decimals_and_empty_values_and_touch_only_the_rows_named():
    people = [
        factories.person("150702001", name="甲乙丙"[i], birth=date(1961, 1, 1 + i))
        for i in range(3)
    ]
    findings = [
        ProactiveFinding.objects.create(
            person=p,
            matter="LIVING",
            first_found=date(2026, 11, 1),
            last_found=date(2026, 11, 1),
            amount=Decimal("80.00"),
            unit="元/月",
        )
        for p in people
    ]
    fields = ["status", "last_found", "amount", "unit"]
    rows = [
        (findings[0].pk, "closed", date(2026, 11, 2), None, ""),
        (findings[1].pk, "open", date(2026, 11, 3), Decimal("112.50"), "元/月"),
    ]
    assert update_rows(ProactiveFinding, fields, rows, batch_size=1) == 2
    got = {
        f.person_id: (f.status, f.last_found, f.amount, f.unit)
        for f in ProactiveFinding.objects.all()
    }
    assert got == {
        people[0].pk: ("closed", date(2026, 11, 2), None, ""),
        people[1].pk: ("open", date(2026, 11, 3), Decimal("112.50"), "元/月"),
        people[2].pk: ("open", date(2026, 11, 1), Decimal("80.00"), "元/月"),
    }


def test_any_of_finds_the_same_rows_as_in_for_long_short_and_empty_lists():
    people = [
        factories.person("150702001", name="查找", birth=date(1980, 2, 1 + i)) for i in range(3)
    ]
    keys = [p.id_number_index for p in people]
    wanted = keys[:2] + ["0" * 64] * 3000  # thousands of values, most of them unknown
    assert set(
        Person.objects.filter(id_number_index__any_of=wanted).values_list("pk", flat=True)
    ) == {people[0].pk, people[1].pk}
    assert list(
        Person.objects.filter(pk__any_of=[people[2].pk]).values_list("name", flat=True)
    ) == ["查找"]
    assert not Person.objects.filter(id_number_index__any_of=[]).exists()
    # Through a foreign key, to a text key here.
    assert Person.objects.filter(hukou_region__any_of=["150702001", "150781400"]).count() == 3
    assert not Person.objects.filter(hukou_region__any_of=["150781400"]).exists()
