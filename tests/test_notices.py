"""Notices to people: the channels each needs, the window's calls and letters, texts, the inbox."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from onestop.accounts.models import StaffUser as User
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.acceptance import application_accept
from onestop.cases.intake import application_submit
from onestop.notices.models import Notice, SmsMessage
from onestop.notices.services import notice_handled, send_pending
from onestop.people.services import certificate_record, guardian_add

from . import factories

pytestmark = pytest.mark.django_db


def _accept(person, **kwargs):
    from onestop.accounts.models import StaffUser

    clerk = StaffUser.objects.filter(username="n_clerk").first() or factories.staff(
        "n_clerk", Role.WINDOW_CLERK, "cdpf-150702"
    )
    app = application_submit(
        actor=clerk,
        channel="window",
        applicant=person,
        matters=["PENSION"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
        **kwargs,
    )
    return application_accept(actor=clerk, application=app)


def channels(app, event="accepted", guardian=False):
    return sorted(
        Notice.objects.filter(application=app, event=event, to_guardian=guardian).values_list(
            "channel", flat=True
        )
    )


def test_acceptance_is_told_by_text_and_inbox_and_copied_to_the_guardian(person):
    guardian_add(
        actor=None,
        person=person,
        kind="guardian",
        name="巴特尔",
        relation="儿子",
        id_number=factories.id_number(birth=date(1995, 1, 1)),
        phone="13904744444",
    )
    app = _accept(person, representative=person.guardians.get(), authority_scope=["apply"])
    assert channels(app) == ["inbox", "sms"]
    assert channels(app, guardian=True) == ["sms"]
    notice = Notice.objects.get(application=app, channel="inbox", event="accepted")
    assert app.tracking_no in notice.text and "前办结" in notice.text
    send_pending()
    assert set(SmsMessage.objects.values_list("phone", flat=True)) == {"13904733333", "13904744444"}
    from onestop.cases.timeline import timeline

    assert any(e.text.startswith("已通知（") and e.text.endswith("：受理") for e in timeline(app))


def test_visual_impairment_gets_a_call_and_large_print_besides_text(db):
    blind = factories.person(
        "150702001", name="阿拉坦", birth=date(1960, 1, 1), phone="13904755555"
    )
    certificate_record(
        actor=None, person=blind, number=blind.id_number + "11", issue_date=date(2024, 1, 5)
    )
    app = _accept(blind)
    assert channels(app) == ["inbox", "large_print", "sms", "voice"]
    call = Notice.objects.get(application=app, channel="voice", event="accepted")
    assert call.unit.code == "cdpf-150702" and call.status == "pending"


def test_the_window_makes_the_call_and_hands_over_the_large_print(client, db, settings):
    settings.NOTICE_MAX_ATTEMPTS = 3
    blind = factories.person(
        "150702001", name="阿拉坦", birth=date(1960, 1, 1), phone="13904755555"
    )
    certificate_record(
        actor=None, person=blind, number=blind.id_number + "11", issue_date=date(2024, 1, 5)
    )
    app = _accept(blind)
    call = Notice.objects.get(application=app, channel="voice")
    letter = Notice.objects.get(application=app, channel="large_print")
    client.force_login(factories.staff("n_mzl", Role.WINDOW_CLERK, "cdpf-150781"))
    assert "阿拉坦" not in client.get("/workbench/window/").content.decode()
    assert client.post(f"/workbench/notices/{call.pk}/done/", {"reached": "1"}).status_code == 404
    client.force_login(User.objects.get(username="n_clerk"))
    page = client.get("/workbench/window/").content.decode()
    assert "阿拉坦" in page and "13904755555" in page and "打印大字版" in page
    client.post(f"/workbench/notices/{call.pk}/done/", {"reached": "0", "note": "无人接听"})
    call.refresh_from_db()
    assert (call.status, call.attempts, call.error) == ("pending", 1, "无人接听")
    assert "已打 1 次未接通" in client.get("/workbench/window/").content.decode()
    done = client.post(f"/workbench/notices/{call.pk}/done/", {"reached": "1"}, follow=True)
    assert "已记录送达" in done.content.decode()
    call.refresh_from_db()
    assert call.status == "sent"
    printed = client.get(f"/workbench/notices/{letter.pk}/print/").content.decode()
    assert letter.text in printed and 'class="large-print"' in printed
    client.post(f"/workbench/notices/{letter.pk}/done/", {"reached": "1"})
    letter.refresh_from_db()
    assert letter.status == "sent"
    assert "没有待办的电话告知或大字版告知" in client.get("/workbench/window/").content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.NOTICE_HANDLED).count() == 3


def test_a_call_never_reached_stops_after_the_limit(db, settings):
    settings.NOTICE_MAX_ATTEMPTS = 2
    blind = factories.person(
        "150702001", name="阿拉坦", birth=date(1960, 1, 1), phone="13904755555"
    )
    certificate_record(
        actor=None, person=blind, number=blind.id_number + "11", issue_date=date(2024, 1, 5)
    )
    call = Notice.objects.get(application=_accept(blind), channel="voice")
    clerk = User.objects.get(username="n_clerk")
    notice_handled(actor=clerk, notice=call, reached=False)
    assert notice_handled(actor=clerk, notice=call, reached=False).status == "failed"
    with pytest.raises(ValidationError):
        notice_handled(actor=clerk, notice=call, reached=True)


def test_sms_only_and_hearing_needs_never_rely_on_voice(person):
    app = _accept(person, communication_needs=["sms_only", "sign_language"])
    assert channels(app) == ["inbox", "sms"]
    deaf = factories.person("150702001", name="朝鲁", birth=date(1970, 1, 1), phone="13904766666")
    certificate_record(
        actor=None, person=deaf, number=deaf.id_number + "21", issue_date=date(2024, 1, 5)
    )
    app = _accept(deaf, communication_needs=["voice_call"])
    assert "sms" in channels(app)


def test_a_failing_text_provider_is_retried(person, settings):
    settings.SMS_BACKEND = "tests.test_notices.FlakyBackend"
    FlakyBackend.failures = 1
    _accept(person)
    assert send_pending() == 0
    sms = Notice.objects.get(channel="sms", event="accepted")
    assert sms.status == "pending" and sms.attempts == 1 and "网关" in sms.error
    assert send_pending() == 1
    sms.refresh_from_db()
    assert sms.status == "sent"


class FlakyBackend:
    """A provider that is down for the first ``failures`` messages."""

    name = "flaky"
    failures = 0

    def send(self, phone, text):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise ConnectionError("短信网关暂时不可用")


def test_people_receive_notices_in_their_portal_inbox(client, person):
    _accept(person)
    client.post("/portal/sign-in/", {"phone": "13904733333"})
    code = SmsMessage.objects.filter(phone="13904733333", purpose="sign_in").first().text
    import re

    client.post("/portal/sign-in/code/", {"code": re.search(r"(\d{6})", code).group(1)})
    page = client.get("/portal/inbox/").content.decode()
    assert "已受理" in page
    stranger = factories.person(
        "150702001", name="陌生人", birth=date(1980, 1, 1), phone="13904799999"
    )
    _accept(stranger)
    page = client.get("/portal/inbox/").content.decode()
    assert "陌生人" not in page and "新消息" in page
    # Reading changes nothing; 全部标为已读 clears the marks, and only the person's own.
    ids = [str(n.pk) for n in Notice.objects.filter(channel="inbox")]
    client.post("/portal/inbox/read/", {"notice": ids})
    assert Notice.objects.filter(person=person, channel="inbox").exclude(read_at=None).exists()
    assert not Notice.objects.filter(person=stranger).exclude(read_at=None).exists()
    assert "新消息" not in client.get("/portal/inbox/").content.decode()


def test_the_large_print_letter_is_in_the_applicants_language_whatever_the_clerks(
    client, db, tuesday
):
    """A clerk reading Chinese prints the letter of an applicant reading Mongolian: the letter
    is Mongolian (with the Chinese beside it in its text), the clerk's hints stay Chinese."""
    from onestop.lang import catalog

    blind = factories.person(
        "150702001",
        name="阿拉坦",
        name_mn="ᠠᠯᠲᠠᠨ",
        language=catalog.MONGOLIAN,
        birth=date(1960, 1, 1),
        phone="13904755566",
    )
    certificate_record(
        actor=None, person=blind, number=blind.id_number + "11", issue_date=date(2024, 1, 5)
    )
    letter = Notice.objects.get(application=_accept(blind), channel="large_print")
    client.force_login(User.objects.get(username="n_clerk"))
    page = client.get(f"/workbench/notices/{letter.pk}/print/").content.decode()
    article = re.search(r'<article class="large-print" lang="mn-Mong">(.*?)</article>', page, re.S)
    assert article is not None
    assert catalog.shipped()["办事告知"].text in article[1] and "ᠠᠯᠲᠠᠨ" in article[1]
    assert '<span lang="zh-Hans">' in article[1]  # the Chinese line of the bilingual text
    assert '<html lang="zh-Hans">' in page and "打印后交给申请人" in page
