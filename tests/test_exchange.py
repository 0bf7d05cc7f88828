"""The department API and webhooks over real HTTP: a receiver on 127.0.0.1 and the live server."""

import json
import time
import urllib.error
import urllib.request
from datetime import date

import pytest

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.acceptance import application_accept
from onestop.cases.intake import application_submit
from onestop.cases.models import Application, Matter, Step
from onestop.cases.steps import Decision, step_decide
from onestop.exchange.services import (
    api_key_create,
    api_key_revoke,
    delivery_replay,
    subscription_create,
)
from onestop.outbox import signing
from onestop.outbox.models import Delivery, OutboxEvent
from onestop.outbox.webhooks import deliver_due
from onestop.people.services import guardian_add
from onestop.regions.models import OrgUnit

from . import factories
from .receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def call(live_server, key, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the live test server
        live_server.url + path,
        data=data,
        method=method,
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the live test server
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.fixture
def world(reference_data, settings):
    settings.WEBHOOK_DELIVER_ON_COMMIT = False  # the tests drive the worker themselves
    admin = factories.staff("x_admin", Role.ADMIN, "gov-150700")
    clerk = factories.staff("x_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    medical = OrgUnit.objects.get(code="medical-150702")
    api_key, key = api_key_create(
        actor=admin, unit=medical, role=Role.MEDICAL_OFFICER, name="医保经办系统"
    )
    receiver = Receiver().start()
    subscription, secret = subscription_create(actor=admin, unit=medical, url=receiver.url)
    receiver.secret = secret.encode()
    person = factories.certified_person(
        fact="resident_medical",
        source="医保",
        name="其木格",
        birth=date(1975, 3, 3),
        dibao_category="urban",
        phone="13904711111",
        address="正阳街道8号",
    )
    guardian_add(
        actor=None,
        person=person,
        kind="agent",
        name="巴特尔",
        relation="儿子",
        id_number=factories.id_number(birth=date(1990, 1, 1)),
        phone="13904722222",
        address="海拉尔某小区",
    )
    yield {
        "admin": admin,
        "clerk": clerk,
        "key": key,
        "api_key": api_key,
        "receiver": receiver,
        "subscription": subscription,
        "person": person,
        "guardian": person.guardians.get(),
    }
    receiver.stop()


def take(world, matters=("MEDICAL",), person=None):
    agent = world["guardian"] if person is None else None
    app = application_submit(
        actor=world["clerk"],
        channel="window",
        applicant=person or world["person"],
        matters=list(matters),
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
        representative=agent,
        authority_scope=["apply"] if agent else [],
        authority_until=date(2027, 12, 31),
        answers={"medical_bills": [{"day": "2026-10-01", "policy_self_pay": "3000"}]},
    )
    return application_accept(actor=world["clerk"], application=app)


def test_a_medical_system_is_told_reads_its_fields_and_decides(live_server, world):
    app = take(world, matters=("MEDICAL", "PENSION"))
    result = deliver_due()
    assert result.sent == 1  # only the 医保 unit's event goes to the 医保 subscription
    (entry,) = world["receiver"].received
    assert entry["verified"] and entry["body"]["topic"] == "matter.dispatched"
    assert entry["headers"]["X-Onestop-Signature"].startswith("hmac-sm3=")
    assert world["person"].id_number not in json.dumps(
        entry["body"]
    )  # no personal data in the push
    matter_id = entry["body"]["matter_id"]

    status, listing = call(live_server, world["key"], "GET", "/api/v1/matters")
    assert status == 200 and [m["id"] for m in listing["items"]] == [matter_id]
    status, matter = call(live_server, world["key"], "GET", f"/api/v1/matters/{matter_id}")
    assert status == 200
    assert matter["applicant"]["id_number"] == world["person"].id_number
    assert matter["guardian"] is None  # 医保 never sees the guardian, let alone the address
    assert matter["answers"] == {
        "medical_bills": [{"day": "2026-10-01", "policy_self_pay": "3000"}]
    }
    assert "address" not in matter["applicant"] or matter["applicant"]["address"] is None
    pension = app.matters.get(kind="PENSION")
    assert call(live_server, world["key"], "GET", f"/api/v1/matters/{pension.pk}")[0] == 404

    step_id = matter["current_step"]["id"]
    decision = {"step_id": step_id, "outcome": "approve"}
    first = call(
        live_server,
        world["key"],
        "POST",
        f"/api/v1/matters/{matter_id}/decision",
        decision,
        {"Idempotency-Key": "m1-s1"},
    )
    again = call(
        live_server,
        world["key"],
        "POST",
        f"/api/v1/matters/{matter_id}/decision",
        decision,
        {"Idempotency-Key": "m1-s1"},
    )
    assert first[0] == again[0] == 200 and first[1] == again[1]
    assert first[1]["current_step"]["name"] == "医保复核"
    assert Step.objects.filter(matter_id=matter_id, outcome="approve").count() == 1
    decided = AuditEvent.objects.get(action=AuditAction.STEP_DECIDE)
    assert decided.actor == world["api_key"].account and decided.org_unit.code == "medical-150702"
    other = call(
        live_server,
        world["key"],
        "POST",
        f"/api/v1/matters/{matter_id}/decision",
        {"step_id": step_id, "outcome": "reject"},
        {"Idempotency-Key": "m1-s1"},
    )
    assert other[0] == 422 and "另一个请求" in other[1]["detail"][0]["message"]
    stale = call(
        live_server,
        world["key"],
        "POST",
        f"/api/v1/matters/{matter_id}/decision",
        {"step_id": step_id, "outcome": "reject", "reason": "重复"},
    )
    assert stale[0] == 409 and "已由" in stale[1]["detail"]

    deliver_due()
    topics = [e["body"]["topic"] for e in world["receiver"].received]
    assert topics == ["matter.dispatched", "step.decided", "matter.dispatched"]

    # The system finishes the matter; the applicant hears of it by text and in the portal inbox.
    for _ in range(2):
        status, current = call(live_server, world["key"], "GET", f"/api/v1/matters/{matter_id}")
        step = current["current_step"]["id"]
        assert (
            call(
                live_server,
                world["key"],
                "POST",
                f"/api/v1/matters/{matter_id}/decision",
                {"step_id": step, "outcome": "approve"},
            )[0]
            == 200
        )
    assert Matter.objects.get(pk=matter_id).status == "approved"
    from onestop.notices.models import Notice, SmsMessage

    assert Notice.objects.filter(application=app, event="decided", channel="inbox").exists()
    texts = SmsMessage.objects.filter(phone="13904711111").values_list("text", flat=True)
    assert any("困难群众医疗救助手工（零星）报销已办理完毕：已批准" in t for t in texts)


def test_keys_are_hashed_shown_once_and_revocable(live_server, world):
    stored = world["api_key"]
    assert world["key"] not in stored.key_hash and stored.prefix in world["key"]
    assert call(live_server, "os_bad_key", "GET", "/api/v1/matters")[0] == 401
    assert call(live_server, world["key"], "GET", "/api/v1/matters")[0] == 200
    api_key_revoke(actor=world["admin"], api_key=stored)
    status, body = call(live_server, world["key"], "GET", "/api/v1/matters")
    assert status == 401 and "接口密钥" in body["detail"]
    assert AuditEvent.objects.filter(action=AuditAction.API_KEY_REVOKE).exists()


def another_person():
    """One more applicant: a person has one open medical-aid matter at a time."""
    return factories.certified_person(
        fact="resident_medical", source="医保", dibao_category="urban"
    )


def test_cursor_pagination_walks_every_matter_once(live_server, world):
    for _ in range(5):
        take(world, person=another_person())
    seen, cursor = [], None
    while True:
        path = "/api/v1/matters?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = call(live_server, world["key"], "GET", path)
        assert status == 200
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(
        Matter.objects.filter(kind="MEDICAL").values_list("pk", flat=True)
    )
    assert call(live_server, world["key"], "GET", "/api/v1/matters?cursor=garbage")[0] == 422


def test_the_receiver_down_for_a_while_gets_everything_once_in_order(live_server, world, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.01
    receiver = world["receiver"]
    port = receiver.port
    receiver.stop()
    app = take(world)
    medical = app.matters.get()
    step = Step.objects.get(matter=medical, status="active")
    account = world["api_key"].account
    step_decide(actor=account, step=step, decision=Decision("approve"))
    rounds = [deliver_due() for _ in range(3)]
    assert sum(r.failed for r in rounds) >= 1 and sum(r.sent for r in rounds) == 0
    assert "无法连接" in Delivery.objects.order_by("pk").first().last_error
    receiver.start(port)
    for _ in range(50):
        deliver_due()
        if not Delivery.objects.exclude(status="delivered").exists():
            break
        time.sleep(0.05)
    expected = list(
        OutboxEvent.objects.filter(unit__code="medical-150702")
        .order_by("pk")
        .values_list("event_id", flat=True)
    )
    assert receiver.events() == [str(e) for e in expected]
    assert len(receiver.received) == len(expected)  # each once


def test_persistent_500s_go_to_the_dead_letters_and_replay_works(live_server, world, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.01
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    world["receiver"].status = 500
    take(world)
    for _ in range(30):
        deliver_due()
        time.sleep(0.03)
    delivery = Delivery.objects.get()
    assert (
        delivery.status == "dead" and delivery.attempts == 3 and delivery.last_error == "HTTP 500"
    )
    world["receiver"].status = 200
    delivery_replay(actor=world["admin"], delivery=delivery)
    assert deliver_due().sent == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert AuditEvent.objects.filter(action=AuditAction.DELIVERY_REPLAY).exists()


def test_a_slow_receiver_times_out_and_is_retried(live_server, world, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.01
    world["receiver"].delay = 1.0
    take(world)
    assert deliver_due().failed == 1
    assert (
        "timed out" in Delivery.objects.get().last_error
        or "无法连接" in Delivery.objects.get().last_error
    )
    world["receiver"].delay = 0
    time.sleep(0.05)
    assert deliver_due().sent == 1
    # The slow first attempt may still have arrived: the receiver deduplicates on the event id.
    assert len(world["receiver"].events()) == 1


def test_a_later_event_of_a_matter_waits_for_an_earlier_one(live_server, world, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60  # the failed first event is not due again soon
    world["receiver"].status = 500
    app = take(world)
    deliver_due()
    world["receiver"].status = 200
    step = Step.objects.get(matter__application=app, status="active")
    step_decide(actor=world["api_key"].account, step=step, decision=Decision("approve"))
    result = deliver_due()
    assert result.sent == 0 and result.waiting == 2
    assert all(e["body"]["topic"] == "matter.dispatched" for e in world["receiver"].received)


def test_a_wrong_secret_fails_verification_on_the_receivers_side(live_server, world):
    """What a receiver with the wrong secret (or a forged call) sees: verify() says no."""
    take(world)
    deliver_due()
    entry = world["receiver"].received[0]
    body = json.dumps(
        entry["body"], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()
    assert signing.verify(world["receiver"].secret, entry["headers"], body)
    assert not signing.verify(b"not-the-secret", entry["headers"], body)
    assert not signing.verify(world["receiver"].secret, entry["headers"], body + b" ")
    old = int(entry["headers"]["X-Onestop-Timestamp"]) + 3600
    assert not signing.verify(world["receiver"].secret, entry["headers"], body, now=old)


def test_documents_are_attached_through_the_api(live_server, world):
    take(world)
    matter = Matter.objects.get(kind="MEDICAL")
    boundary = "----onestop"
    pdf = b"%PDF-1.4 decision notice"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="code"\r\n\r\ndecision_notice\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="n.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(  # noqa: S310 - the live test server
        f"{live_server.url}/api/v1/matters/{matter.pk}/documents",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {world['key']}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the live test server
        assert response.status == 201
        stored = json.loads(response.read())
    assert stored["content_type"] == "application/pdf" and stored["code"] == "decision_notice"
    assert Application.objects.get().materials.filter(code="decision_notice").exists()


def test_killing_the_worker_mid_batch_loses_nothing(live_server, world, settings, tmp_path):
    """A worker process is killed while a delivery is in flight; the next worker sends it again
    once the lease runs out. Nothing is lost; the one duplicate carries the same event id."""
    import os
    import signal
    import subprocess
    import sys

    from django.db import connection

    for _ in range(4):
        take(world, person=another_person())
    expected = [
        str(e)
        for e in OutboxEvent.objects.filter(unit__code="medical-150702")
        .order_by("pk")
        .values_list("event_id", flat=True)
    ]
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_VAR_DIR": str(tmp_path),
        "ONESTOP_WEBHOOK_LEASE_SECONDS": "1",
        "ONESTOP_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "deliver_webhooks", "--loop", "--interval", "0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def kill_on_second(entry):
        if (
            len(world["receiver"].received) == 1
        ):  # this is the second request: die before the answer
            os.kill(worker.pid, signal.SIGKILL)

    world["receiver"].on_receive = kill_on_second
    worker.wait(timeout=30)
    world["receiver"].on_receive = None
    assert worker.returncode == -signal.SIGKILL
    assert 1 <= Delivery.objects.filter(status="delivered").count() < len(expected)
    for _ in range(100):  # a new worker (here: this test) takes over when the lease runs out
        deliver_due()
        if not Delivery.objects.exclude(status="delivered").exists():
            break
        time.sleep(0.1)
    assert world["receiver"].events() == expected
    assert len(world["receiver"].received) == len(expected) + 1


def test_retry_answers_are_kept_encrypted_and_forgotten_after_a_day(client, world):
    from datetime import UTC, datetime, timedelta

    from onestop.core import clock
    from onestop.exchange.models import IdempotentRequest
    from onestop.exchange.tasks import expire_idempotent_answers

    app = take(world)
    matter = app.matters.get(kind="MEDICAL")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['key']}", "HTTP_IDEMPOTENCY_KEY": "c-1"}
    start = datetime(2026, 11, 2, 2, tzinfo=UTC)
    with clock.frozen(start):
        first = client.post(f"/api/v1/matters/{matter.pk}/claim", **auth)
    assert first.status_code == 200
    assert first.json()["applicant"]["id_number"] == world["person"].id_number_masked
    stored = IdempotentRequest.objects.get()
    assert "其木格" not in stored.body_cipher and world["person"].name not in stored.body_cipher
    with clock.frozen(start + timedelta(hours=23)):
        assert client.post(f"/api/v1/matters/{matter.pk}/claim", **auth).json() == first.json()
        assert expire_idempotent_answers.call_local() == 0
    with clock.frozen(start + timedelta(hours=25)):
        # After a day the key is new again: the request is handled afresh and answered anew.
        assert client.post(f"/api/v1/matters/{matter.pk}/claim", **auth).status_code == 200
    assert IdempotentRequest.objects.get().created_at == start + timedelta(hours=25)
    with clock.frozen(start + timedelta(hours=50)):
        assert expire_idempotent_answers.call_local() == 1  # the worker's hourly sweep
    assert not IdempotentRequest.objects.exists()
