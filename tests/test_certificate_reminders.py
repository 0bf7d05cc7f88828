"""A certificate about to expire: the holder and their guardian are told 90 days before and
again 30 days before, once each, and pointed to 换证."""

from datetime import UTC, date, datetime

from onestop.core import clock
from onestop.notices.models import Notice
from onestop.notices.services import certificate_expiry_remind
from onestop.people.services import certificate_record, guardian_add

from . import factories


def _day(day: date):
    return clock.frozen(datetime.combine(day, datetime.min.time(), tzinfo=UTC))


def test_holders_are_told_90_and_30_days_before_their_certificate_expires(db):
    person = factories.person(phone="13900002222")
    guardian_add(
        actor=None,
        person=person,
        kind="guardian",
        name="王芳",
        id_number=factories.id_number(birth=date(1970, 2, 2)),
        relation="配偶",
        phone="13900003333",
    )
    certificate = certificate_record(
        actor=None, person=person, number=person.id_number + "41", issue_date=date(2017, 3, 1)
    )
    until = certificate.valid_until
    ninety, thirty = until.toordinal() - 90, until.toordinal() - 30
    told = []
    for ordinal in range(ninety - 2, until.toordinal() + 1):
        day = date.fromordinal(ordinal)
        with _day(day):
            if certificate_expiry_remind(today=day):
                told.append(day)
    assert told == [date.fromordinal(ninety), date.fromordinal(thirty)]
    notices = Notice.objects.filter(person=person).order_by("pk")
    assert {n.event for n in notices} == {"cert_expiry_90", "cert_expiry_30"}
    phones = sorted(n.phone for n in notices if n.channel == "sms" and n.event == "cert_expiry_30")
    assert phones == ["13900002222", "13900003333"]
    text = notices.filter(channel="inbox").first().text
    assert f"{until:%Y年%-m月%-d日}到期" in text and "申请换证" in text
