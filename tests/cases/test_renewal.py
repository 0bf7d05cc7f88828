"""换证: a holder whose card expires within 90 days (or has expired) applies in the one form; the
CERT matter records that it renews the old card, and the new card replaces it."""

from datetime import date

import pytest

from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.models import Matter
from onestop.notices.models import Notice
from onestop.people.models import Certificate, CertificateStatus
from onestop.people.selectors import certificate_number_unused
from onestop.people.services import certificate_record

from .. import factories
from .helpers import decide, matter, submit

pytestmark = pytest.mark.django_db


def _card(person, issued: date, kind: str = "41", **kw) -> Certificate:
    return certificate_record(
        actor=None, person=person, number=person.id_number + kind, issue_date=issued, **kw
    )


def _issue(staff, app, day: date, category: int, level: int) -> None:
    decide(staff["cdpf"], app, "CERT", day)  # 受理
    decide(staff["cdpf"], app, "CERT", day, category=category, level=level)  # 评定
    decide(staff["cdpf"], app, "CERT", day)  # 审核
    decide(staff["cdpf"], app, "CERT", day)  # 发证


def test_a_card_expiring_within_90_days_is_renewed_under_its_number_with_a_reissue_mark(
    staff, applicant
):
    old = _card(applicant, date(2016, 11, 20))  # valid until 20 November 2026
    app = submit(staff, applicant, matters=["CERT", "LIVING"])  # 30 September 2026
    cert = matter(app, "CERT")
    assert cert.renews == old and cert.label == "残疾人证换领"
    assert cert.prescreen["outcome_label"] == "符合"
    assert "原残疾人证将于2026年11月20日到期" in cert.prescreen["reasons"][0]
    submitted = AuditEvent.objects.get(action=AuditAction.APPLICATION_SUBMIT)
    assert submitted.detail["renews_certificate"] == old.pk
    # The old card is still valid: the living subsidy does not wait for the new one.
    assert matter(app, "LIVING").status == Matter.Status.IN_PROGRESS
    assert matter(app, "LIVING").renews is None and matter(app, "LIVING").label == (
        "困难残疾人生活补贴"
    )

    _issue(staff, app, date(2026, 10, 12), category=4, level=1)
    old.refresh_from_db()
    new = Certificate.objects.get(person=applicant, status=CertificateStatus.VALID)
    assert old.status == CertificateStatus.CANCELLED
    assert new.number == old.number + "B1" and (new.category, new.level) == (4, 1)
    assert new.valid_until == date(2036, 10, 12)
    assert certificate_number_unused(old.number) == old.number + "B2"
    decided = Notice.objects.filter(event="decided", channel="inbox").get()
    assert decided.text.startswith(f"【一件事一次办】{applicant.name}的残疾人证换领已办理完毕")


def test_a_renewal_assessed_at_another_level_takes_that_levels_number(staff, applicant):
    old = _card(applicant, date(2014, 3, 1), status=CertificateStatus.EXPIRED)
    app = submit(staff, applicant, matters=["CERT"])
    assert matter(app, "CERT").renews == old
    assert "原残疾人证已于2024年3月1日到期" in matter(app, "CERT").prescreen["reasons"][0]
    _issue(staff, app, date(2026, 10, 12), category=4, level=2)
    new = Certificate.objects.get(person=applicant, status=CertificateStatus.VALID)
    assert new.number == applicant.id_number + "42"


def test_a_card_valid_for_longer_or_no_card_makes_the_certificate_matter_a_new_one(
    staff, applicant
):
    app = submit(staff, applicant, matters=["CERT"])
    assert matter(app, "CERT").renews is None
    assert matter(app, "CERT").label == "残疾人证新办"
    other = submit(staff, _holder_until(date(2027, 1, 1)), matters=["CERT"])  # 93 days away
    assert matter(other, "CERT").renews is None
    assert matter(other, "CERT").prescreen["outcome_label"] == "不符合"


def _holder_until(until: date):
    person = factories.person("150702001", name="乌兰", birth=date(1980, 1, 1))
    _card(person, date(2017, 1, 1), valid_until=until)
    return person
