"""Review items queued before each had its own deadline and queue get them from their round."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onestop.benefits.models import Entitlement, ReviewItem

from .. import factories

BEFORE = [("benefits", "0005_pension_supplements")]
AFTER = [("benefits", "0006_review_item_deadline_and_queue")]


def _entitled(township: str, name: str, birth: date) -> Entitlement:
    return Entitlement.objects.create(
        person=factories.person(township, name=name, birth=birth),
        kind="LIVING",
        county_id="150702",
        amount=Decimal("100.00"),
        start=date(2026, 2, 1),
        created_at=datetime(2026, 3, 10, tzinfo=UTC),
    )


@pytest.mark.django_db(transaction=True)
def test_existing_items_take_the_rounds_deadline_and_another_countys_go_to_the_county(
    reference_data,
):
    local = _entitled("150702001", "张三", date(1960, 5, 1))
    moved = _entitled("150781001", "朝鲁", date(1962, 7, 1))
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        round_ = old.get_model("benefits", "ReviewRound").objects.create(
            county_id="150702",
            year=2026,
            opened_at=datetime(2026, 11, 2, tzinfo=UTC),
            due_date=date(2026, 11, 23),
        )
        items = old.get_model("benefits", "ReviewItem").objects
        for entitlement, township in ((local, "150702001"), (moved, "150781001")):
            items.create(round=round_, entitlement_id=entitlement.pk, township_id=township)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    after = {i.entitlement_id: (i.region_id, i.due_date) for i in ReviewItem.objects.all()}
    assert after == {
        local.pk: ("150702001", date(2026, 11, 23)),
        moved.pk: ("150702", date(2026, 11, 23)),
    }
