"""The administrator's side of department systems: keys and subscriptions made in the back office
(secret shown once), revoked after a confirmation, and dead deliveries replayed."""

import pytest

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.core import clock
from onestop.exchange.models import ApiKey
from onestop.exchange.services import api_key_check, api_key_create, subscription_create
from onestop.outbox.models import Delivery, OutboxEvent, Subscription
from onestop.outbox.webhooks import deliver_due
from onestop.regions.models import OrgUnit

pytestmark = pytest.mark.django_db

KEYS = "/admin/exchange/apikey/"
SUBSCRIPTIONS = "/admin/outbox/subscription/"
DELIVERIES = "/admin/outbox/delivery/"


def secret_on(page: str) -> str:
    start = page.index('id="secret"')
    value = page.index('value="', start) + len('value="')
    return page[value : page.index('"', value)]


def test_an_admin_makes_a_key_sees_it_once_and_it_works(login, hlbe_admin):
    client = login(hlbe_admin)
    unit = OrgUnit.objects.get(code="medical-150702")
    response = client.post(
        KEYS + "add/", {"name": "医保经办系统", "unit": unit.pk, "role": Role.MEDICAL_OFFICER}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "只显示这一次" in page
    assert "no-store" in response["Cache-Control"]  # the admin's own never_cache
    key = secret_on(page)
    found = api_key_check(key)
    assert found is not None and found.account.org_unit == unit
    assert key not in found.key_hash
    listing = client.get(KEYS).content.decode()
    assert "医保经办系统" in listing and key not in listing
    assert key not in client.get(f"{KEYS}{found.pk}/change/").content.decode()


def test_a_key_for_a_role_the_unit_cannot_hold_is_refused_with_the_reason(login, hlbe_admin):
    client = login(hlbe_admin)
    unit = OrgUnit.objects.get(code="medical-150702")
    response = client.post(
        KEYS + "add/", {"name": "错配系统", "unit": unit.pk, "role": Role.COUNTY_CIVIL}
    )
    page = response.content.decode()
    assert 'id="secret"' not in page and "民政" in page
    assert not ApiKey.objects.exists()


def test_an_admin_sees_and_picks_only_units_in_their_region(login, hlbe_admin, mzl_admin):
    hailar = OrgUnit.objects.get(code="medical-150702")
    api_key_create(actor=hlbe_admin, unit=hailar, role=Role.MEDICAL_OFFICER, name="海拉尔医保")
    client = login(mzl_admin)
    assert "海拉尔医保" not in client.get(KEYS).content.decode()
    response = client.post(
        KEYS + "add/", {"name": "越权", "unit": hailar.pk, "role": Role.MEDICAL_OFFICER}
    )
    assert 'id="secret"' not in response.content.decode()
    assert ApiKey.objects.count() == 1


def test_revoking_asks_first_then_the_key_stops_working(login, hlbe_admin):
    unit = OrgUnit.objects.get(code="medical-150702")
    api_key, key = api_key_create(actor=hlbe_admin, unit=unit, role=Role.MEDICAL_OFFICER, name="A")
    client = login(hlbe_admin)
    form = {"action": "revoke", "_selected_action": [api_key.pk]}
    asked = client.post(KEYS, form)
    assert "确认停用" in asked.content.decode() and "不能恢复" in asked.content.decode()
    assert api_key_check(key) is not None
    done = client.post(KEYS, {**form, "confirmed": "yes"}, follow=True)
    assert "已停用 1 个接口密钥" in done.content.decode()
    assert api_key_check(key) is None
    assert AuditEvent.objects.filter(action=AuditAction.API_KEY_REVOKE, actor=hlbe_admin).exists()


def test_a_subscription_shows_its_secret_once_and_can_be_stopped(login, hlbe_admin):
    client = login(hlbe_admin)
    unit = OrgUnit.objects.get(code="medical-150702")
    response = client.post(
        SUBSCRIPTIONS + "add/",
        {
            "unit": unit.pk,
            "url": "http://127.0.0.1:9/hook",
            "algorithm": "hmac-sha256",
            "topics": ["matter.dispatched"],
        },
    )
    secret = secret_on(response.content.decode())
    assert len(secret) == 64
    subscription = Subscription.objects.get()
    assert subscription.topics == ["matter.dispatched"]
    assert secret not in subscription.secret_cipher
    event = OutboxEvent.objects.create(
        topic="matter.dispatched", unit=unit, payload={}, created_at=clock.now()
    )
    delivery = Delivery.objects.create(
        event=event,
        subscription=subscription,
        next_attempt_at=clock.now(),
        created_at=event.created_at,
    )
    form = {"action": "deactivate", "_selected_action": [subscription.pk], "confirmed": "yes"}
    client.post(SUBSCRIPTIONS, form)
    subscription.refresh_from_db()
    assert not subscription.active
    # Nothing more is sent to a stopped endpoint (port 9 would have failed, counting a try).
    round_ = deliver_due()
    assert (round_.sent, round_.failed) == (0, 0)
    delivery.refresh_from_db()
    assert delivery.attempts == 0
    assert AuditEvent.objects.filter(action=AuditAction.SUBSCRIPTION_DEACTIVATE).exists()


def test_the_dead_letter_list_and_replay(login, hlbe_admin, mzl_admin):
    unit = OrgUnit.objects.get(code="medical-150702")
    subscription, _ = subscription_create(actor=hlbe_admin, unit=unit, url="http://127.0.0.1:9/")
    event = OutboxEvent.objects.create(
        topic="matter.dispatched", unit=unit, payload={}, created_at=clock.now()
    )
    dead = Delivery.objects.create(
        event=event,
        subscription=subscription,
        status=Delivery.Status.DEAD,
        attempts=8,
        last_error="HTTP 500",
        next_attempt_at=clock.now(),
        created_at=event.created_at,
    )
    client = login(mzl_admin)
    assert "HTTP 500" not in client.get(DELIVERIES + "?status__exact=dead").content.decode()
    client.logout()
    client = login(hlbe_admin)
    assert "HTTP 500" in client.get(DELIVERIES + "?status__exact=dead").content.decode()
    done = client.post(DELIVERIES, {"action": "replay", "_selected_action": [dead.pk]}, follow=True)
    assert "已重新排队 1 条推送" in done.content.decode()
    dead.refresh_from_db()
    assert (dead.status, dead.attempts, dead.last_error) == ("pending", 0, "")
