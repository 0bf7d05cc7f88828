"""The worker that delivers outbox events to subscribed department systems.

Each delivery is leased before it is sent (so two workers never send it at once, and a worker
that dies mid-batch leaves it to be retried when the lease runs out); failures back off
exponentially with jitter; after too many tries it is dead until an administrator replays it.
Events of one matter reach a subscriber in order: a later one waits while an earlier one is
undelivered."""

import json
import logging
import random
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from onestop.core import clock, pii

from . import signing
from .models import Delivery, OutboxEvent

log = logging.getLogger(__name__)


def lease() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)


@dataclass
class Round:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0  # held back behind an earlier event of the same matter


def body_of(event: OutboxEvent) -> bytes:
    document = {
        "event_id": str(event.event_id),
        "topic": event.topic,
        "created_at": event.created_at.isoformat(),
        "application": event.payload.get("tracking_no"),
        "matter_id": event.matter_id,
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def backoff(attempts: int) -> timedelta:
    base = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(3600, base) * random.uniform(0.5, 1.5))


def _blocked(delivery: Delivery) -> bool:
    if delivery.event.matter_id is None:
        return False
    return (
        Delivery.objects.filter(
            subscription_id=delivery.subscription_id,
            event__matter_id=delivery.event.matter_id,
            event_id__lt=delivery.event_id,
        )
        .exclude(status=Delivery.Status.DELIVERED)
        .exists()
    )


def _post(delivery: Delivery) -> str:
    """Send one delivery; returns "" on a 2xx answer, else what went wrong."""
    subscription = delivery.subscription
    # The context keeps the name of the app the secrets were first encrypted in.
    secret = pii.decrypt(
        subscription.secret_cipher, context="exchange.subscription.secret"
    ).encode()
    body = body_of(delivery.event)
    # The URL was checked to be http(s) when the subscription was made.
    request = urllib.request.Request(  # noqa: S310
        subscription.url,
        data=body,
        method="POST",
        headers=signing.headers(secret, str(delivery.event.event_id), body, subscription.algorithm),
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            if 200 <= response.status < 300:
                return ""
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return f"无法连接：{getattr(exc, 'reason', exc)}"[:300]


def deliver_due(*, limit: int = 200) -> Round:
    """Send what is due now, oldest event first."""
    result = Round()
    now = clock.now()
    due = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now, subscription__active=True
        )
        .select_related("event", "subscription")
        .order_by("event_id", "pk")[:limit]
    )
    for delivery in due:
        if _blocked(delivery):
            result.waiting += 1
            continue
        # Take a lease: only the worker whose conditional update succeeds sends it.
        with transaction.atomic():
            leased = Delivery.objects.filter(
                pk=delivery.pk,
                status=Delivery.Status.PENDING,
                next_attempt_at=delivery.next_attempt_at,
            ).update(next_attempt_at=now + lease())
        if not leased:
            continue
        problem = _post(delivery)
        attempts = delivery.attempts + 1
        if not problem:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.DELIVERED,
                attempts=attempts,
                delivered_at=clock.now(),
                last_error="",
            )
            result.sent += 1
        elif attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.DEAD, attempts=attempts, last_error=problem
            )
            result.dead += 1
            log.warning("webhook %s dead after %s tries: %s", delivery.pk, attempts, problem)
        else:
            Delivery.objects.filter(pk=delivery.pk).update(
                attempts=attempts,
                last_error=problem,
                next_attempt_at=clock.now() + backoff(attempts),
            )
            result.failed += 1
    return result
