"""Results delivered once: pick-up with a code, post with tracking, early on request."""

import json
import re
from datetime import date

import pytest

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.models import Application, Step
from onestop.cases.steps import Decision, step_decide
from onestop.delivery.models import Handover
from onestop.exchange.services import api_key_create
from onestop.notices.models import Notice, SmsMessage
from onestop.notices.services import send_pending
from onestop.people.services import certificate_record
from onestop.regions.models import OrgUnit

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    return {
        "clerk": factories.staff("d_clerk", Role.WINDOW_CLERK, "cdpf-150702"),
        "hrss": factories.staff("d_hrss", Role.HRSS_OFFICER, "hrss-150702"),
        "medical": factories.staff("d_med", Role.MEDICAL_OFFICER, "medical-150702"),
    }


def finished(team, delivery="pickup", matters=("PENSION",)):
    applicant = factories.holder(
        name="萨仁", birth=date(1975, 1, 1), phone="13904788888", dibao_category="urban"
    )
    return factories.application_concluded(
        team["clerk"],
        {Role.HRSS_OFFICER: team["hrss"], Role.MEDICAL_OFFICER: team["medical"]},
        applicant,
        matters=matters,
        delivery=delivery,
        delivery_address="正阳街道1号" if delivery == "post" else "",
        answers={"medical_bills": [{"day": "2026-10-01", "policy_self_pay": "100"}]},
    )


def login(client, user):
    client.post("/accounts/login/", {"username": user.username, "password": factories.PASSWORD})


def test_pickup_at_the_window_with_the_code(client, team):
    app = finished(team)
    handover = Handover.objects.get(application=app)
    code = re.search(
        r"取件码 (\d{6})", Notice.objects.get(application=app, event="ready", channel="inbox").text
    ).group(1)
    send_pending()
    assert SmsMessage.objects.filter(phone="13904788888", text__contains=code).exists()
    login(client, team["clerk"])
    waiting = client.get("/workbench/window/").content.decode()
    assert app.tracking_no in waiting and "已备好，待领取或寄出" in waiting
    page = client.get(f"/workbench/applications/{app.pk}/").content.decode()
    assert "核对并交付全部结果" in page
    wrong = client.post(
        f"/workbench/handovers/{handover.pk}/pickup/", {"code": "12345"}, follow=True
    )
    assert "取件码不对" in wrong.content.decode()
    done = client.post(f"/workbench/handovers/{handover.pk}/pickup/", {"code": code}, follow=True)
    assert "已交付" in done.content.decode()
    app.refresh_from_db()
    assert app.status == "delivered" and app.trips == 2
    assert Notice.objects.filter(application=app, event="rating").exists()


def test_post_with_a_tracking_number_and_the_logistics_status_through_the_api(client, team):
    app = finished(team, delivery="post")
    handover = Handover.objects.get(application=app)
    assert handover.method == "post"
    login(client, team["clerk"])
    assert (
        "请填写邮件号"
        in client.post(
            f"/workbench/handovers/{handover.pk}/post/", {"tracking_no": ""}, follow=True
        ).content.decode()
    )
    client.post(f"/workbench/handovers/{handover.pk}/post/", {"tracking_no": "EMS1234567890CN"})
    handover.refresh_from_db()
    assert handover.status == "posted"
    assert (
        "邮件号 EMS1234567890CN"
        in Notice.objects.get(application=app, event="posted", channel="inbox").text
    )
    _, key = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="cdpf-150702"),
        role=Role.CDPF_REVIEWER,
        name="残联物流接口",
    )
    response = client.post(
        f"/api/v1/deliveries/{handover.pk}/status",
        json.dumps({"status": "delivered"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200 and response.json()["status"] == "delivered"
    app.refresh_from_db()
    assert app.status == "delivered" and app.trips == 1  # no extra trip for the post
    _, other = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="cdpf-150781"),
        role=Role.CDPF_REVIEWER,
        name="满洲里",
    )
    response = client.post(
        f"/api/v1/deliveries/{handover.pk}/status",
        json.dumps({"status": "returned"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other}",
    )
    assert response.status_code == 404


def test_an_earlier_result_on_request(client, team):
    person = factories.person(
        "150702001",
        name="图雅",
        birth=date(1975, 1, 1),
        phone="13904777777",
        dibao_category="urban",
    )
    certificate_record(
        actor=None, person=person, number=person.id_number + "41", issue_date=date(2024, 1, 5)
    )
    app = application_submit(
        actor=team["clerk"],
        channel="window",
        applicant=person,
        matters=["PENSION", "MEDICAL"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
        answers={"medical_bills": [{"day": "2026-10-01", "policy_self_pay": "100"}]},
    )
    app = application_accept(actor=team["clerk"], application=app)
    for _ in range(2):
        step = Step.objects.get(matter__application=app, matter__kind="PENSION", status="active")
        step_decide(actor=team["hrss"], step=step, decision=Decision(Outcome.APPROVE))
    assert not Handover.objects.exists()  # waits for the medical aid
    client.post("/portal/sign-in/", {"phone": "13904777777"})
    code = re.search(r"(\d{6})", SmsMessage.objects.filter(purpose="sign_in").first().text).group(1)
    client.post("/portal/sign-in/code/", {"code": code})
    pension = app.matters.get(kind="PENSION")
    page = client.get(f"/portal/applications/{app.pk}/").content.decode()
    assert "先把这个结果给我" in page
    response = client.post(f"/portal/applications/{app.pk}/early/{pension.pk}/", follow=True)
    assert "这个结果先给您" in response.content.decode()
    early = Handover.objects.get()
    assert early.early and list(early.matters.values_list("kind", flat=True)) == ["PENSION"]
    while (
        step := Step.objects.filter(matter__application=app, status="active").first()
    ) is not None:
        step_decide(actor=team["medical"], step=step, decision=Decision(Outcome.APPROVE))
    final = Handover.objects.exclude(pk=early.pk).get()
    assert list(final.matters.values_list("kind", flat=True)) == ["MEDICAL"]  # the rest, once
    assert Application.objects.get(pk=app.pk).status == "concluded"
