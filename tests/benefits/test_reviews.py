"""定期复核: pre-checked by the shared data, confirmed or stopped by the township within its
deadline; late means a reminder and 督办, never a silent stop; a stop counts from next month."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied

from onestop.benefits.models import ReviewItem
from onestop.benefits.prepare import run_prepare
from onestop.benefits.reviews import review_decide, review_open, reviews_press
from onestop.benefits.selectors import payments_of
from onestop.core.actions import ActionRefused
from onestop.notices.models import Notice
from onestop.people.models import Person
from onestop.people.shared_data import shared_record_upsert

from ..cases.helpers import at
from .conftest import approved_living


def test_a_review_is_prechecked_confirmed_or_stopped_and_pressed_when_late(client, staff, hailar):
    kept = approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10))
    doubtful = approved_living(
        staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10), name="巴图"
    )
    late = approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10), name="乌兰")
    shared_record_upsert(
        actor=None,
        person=doubtful.person,
        fact="deceased",
        value=True,
        source="公安户籍",
        source_time=datetime(2026, 11, 1, tzinfo=UTC),
    )
    with at(date(2026, 11, 2)):
        review = review_open(actor=staff["county"], county=hailar, year=2026)
        again = review_open(actor=staff["county"], county=hailar, year=2026)
    assert again.pk == review.pk and review.items.count() == 3
    assert review.due_date == date(2026, 11, 23)  # 15 working days
    item = {i.entitlement_id: i for i in review.items.all()}
    portal = payments_of(Person.objects.filter(pk=kept.person_id))[0]
    assert portal.review == item[kept.pk]
    assert item[doubtful.pk].doubts == ["健在"] and item[kept.pk].doubts == []

    page = client
    page.force_login(staff["township"])
    body = page.get("/workbench/reviews/").content.decode()
    assert "预核有疑问：健在，请核实" in body and "共 3 人" in body
    with at(date(2026, 11, 10)):
        kept_pk, doubtful_pk = item[kept.pk].pk, item[doubtful.pk].pk
        page.post(f"/workbench/reviews/{kept_pk}/decide/", {f"review-{kept_pk}-keep": "yes"})
        refused = page.post(
            f"/workbench/reviews/{doubtful_pk}/decide/",
            {f"review-{doubtful_pk}-keep": "no"},
            follow=True,
        )
        assert "停止享受须写明复核意见" in refused.content.decode()
        page.post(
            f"/workbench/reviews/{doubtful_pk}/decide/",
            {f"review-{doubtful_pk}-keep": "no", f"review-{doubtful_pk}-note": "经核实已去世"},
        )
        with pytest.raises(ActionRefused, match="已复核过了"):
            review_decide(actor=staff["township"], item=item[kept.pk], keep=False, note="x")
        with pytest.raises(PermissionDenied):
            review_decide(actor=staff["county"], item=item[late.pk], keep=True)
    doubtful.refresh_from_db()
    assert (doubtful.end, doubtful.end_reason) == (date(2026, 11, 1), "review_failed")

    with at(date(2026, 11, 24)):  # past the deadline: pressed, not stopped
        pressed = reviews_press(today=date(2026, 11, 24))
        twice = reviews_press(today=date(2026, 11, 24))
    assert (pressed.townships, pressed.items, twice.items) == (1, 1, 0)
    told = Notice.objects.filter(event="review_pressed").values_list("unit__code", flat=True)
    assert sorted(told) == ["civil-150702", "civil-150702001"]
    assert ReviewItem.objects.get(pk=item[late.pk].pk).status == "pending"
    with at(date(2026, 12, 5)):
        december = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 12, 1)
        ).run
    paid = set(december.lines.filter(month=date(2026, 12, 1)).values_list("person_id", flat=True))
    assert paid == {kept.person_id, late.person_id}
