"""Writing events: call ``emit`` inside the transaction of the change it reports."""

from typing import Any

from django.conf import settings
from django.db import models, transaction

from onestop.core import clock
from onestop.regions.models import OrgUnit

from .models import Delivery, OutboxEvent, Subscription


def emit(
    *,
    topic: str,
    payload: dict[str, Any],
    application: models.Model | None = None,
    matter: models.Model | None = None,
    unit: OrgUnit | None = None,
) -> OutboxEvent:
    event = OutboxEvent.objects.create(
        topic=topic,
        # The cases sit above the outbox, so it knows them only as rows.
        application_id=application.pk if application is not None else None,
        matter_id=matter.pk if matter is not None else None,
        unit=unit,
        payload=payload,
        created_at=clock.now(),
    )
    if unit is not None:
        now = clock.now()
        subscriptions = Subscription.objects.filter(unit=unit, active=True)
        created = Delivery.objects.bulk_create(
            Delivery(event=event, subscription=s, next_attempt_at=now, created_at=event.created_at)
            for s in subscriptions
            if not s.topics or topic in s.topics
        )
        if created and settings.WEBHOOK_DELIVER_ON_COMMIT:
            transaction.on_commit(_deliver_soon)
    return event


def _deliver_soon() -> None:
    from .tasks import deliver_webhooks_now

    deliver_webhooks_now()
