import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from onestop.accounts.actors import Actor
from onestop.accounts.models import StaffUser
from onestop.accounts.roles import OFFICER_ROLES, placement_error
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock, pii
from onestop.core.replica import not_pinning
from onestop.outbox.models import Delivery, Subscription
from onestop.regions.models import OrgUnit

from .models import ApiKey, IdempotentRequest

DEPARTMENT_ROLES = OFFICER_ROLES


def _check_admin(actor: Actor, unit: OrgUnit | None) -> None:
    if actor is not None and (
        unit is None
        or not actor.is_admin_role
        or actor.scope is None
        or not actor.scope.contains(unit.region)
    ):
        raise PermissionDenied("只能为本管辖范围内的单位配置接口。")


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(*, actor: Actor, unit: OrgUnit, role: str, name: str) -> tuple[ApiKey, str]:
    """A key for a department system acting as ``role`` at ``unit``; returns it in clear, once."""
    _check_admin(actor, unit)
    if role not in DEPARTMENT_ROLES:
        raise ValidationError({"role": "接口只能以部门经办岗位的身份办理。"})
    problem = placement_error(role, unit.department, unit.region.level)
    if problem:
        raise ValidationError({"role": problem})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写系统名称。"})
    prefix = secrets.token_hex(4)
    key = f"os_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        account = StaffUser.objects.create(
            username=f"api-{prefix}",
            display_name=f"{name}（接口）",
            role=role,
            org_unit=unit,
            password=make_password(None),  # no password: the account cannot sign in to pages
        )
        api_key = ApiKey.objects.create(
            name=name, account=account, prefix=prefix, key_hash=_key_hash(key), created_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.API_KEY_CREATE,
            subject=api_key,
            detail={"unit": unit.code, "role": role, "name": name, "prefix": prefix},
        )
    return api_key, key


def api_key_revoke(*, actor: Actor, api_key: ApiKey) -> ApiKey:
    _check_admin(actor, api_key.account.org_unit)
    with transaction.atomic():
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
        StaffUser.objects.filter(pk=api_key.account_id).update(is_active=False)
        audit_record(
            actor=actor,
            action=AuditAction.API_KEY_REVOKE,
            subject=api_key,
            detail={"prefix": api_key.prefix},
        )
    api_key.refresh_from_db()
    return api_key


def api_key_check(key: str) -> ApiKey | None:
    """The live key matching ``key`` (constant-time compare), or None."""
    parts = (key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "os":
        return None
    found = (
        ApiKey.objects.select_related("account__org_unit__region").filter(prefix=parts[1]).first()
    )
    if found is None or found.revoked_at is not None or not found.account.is_active:
        return None
    if not hmac.compare_digest(found.key_hash, _key_hash(key)):
        return None
    now = clock.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        with not_pinning():
            ApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def subscription_create(
    *,
    actor: Actor,
    unit: OrgUnit,
    url: str,
    algorithm: str = "hmac-sm3",
    topics: Sequence[str] = (),
) -> tuple[Subscription, str]:
    """Subscribe an endpoint to the unit's events; returns the signing secret in clear, once."""
    _check_admin(actor, unit)
    if not url.startswith(("https://", "http://")):
        raise ValidationError({"url": "接收地址应以 https:// 开头（本机测试可用 http://）。"})
    if algorithm not in Subscription.Algorithm.values:
        raise ValidationError({"algorithm": "签名算法只能是 hmac-sm3 或 hmac-sha256。"})
    secret = secrets.token_hex(32)
    with transaction.atomic():
        subscription = Subscription.objects.create(
            unit=unit,
            url=url,
            algorithm=algorithm,
            topics=list(topics),
            secret_cipher=pii.encrypt(secret, context="exchange.subscription.secret"),
        )
        audit_record(
            actor=actor,
            action=AuditAction.SUBSCRIPTION_CREATE,
            subject=subscription,
            detail={"unit": unit.code, "url": url, "algorithm": algorithm},
        )
    return subscription, secret


def subscription_deactivate(*, actor: Actor, subscription: Subscription) -> Subscription:
    """Stop sending to this endpoint; deliveries already queued for it are not attempted again."""
    _check_admin(actor, subscription.unit)
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(active=False)
        audit_record(
            actor=actor,
            action=AuditAction.SUBSCRIPTION_DEACTIVATE,
            subject=subscription,
            detail={"url": subscription.url},
        )
    subscription.refresh_from_db()
    return subscription


def delivery_replay(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Send a dead delivery again from scratch."""
    _check_admin(actor, delivery.subscription.unit)
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.DEAD).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=clock.now(), last_error=""
        )
        audit_record(
            actor=actor,
            action=AuditAction.DELIVERY_REPLAY,
            subject=delivery,
            detail={"event": str(delivery.event.event_id)},
        )
    delivery.refresh_from_db()
    return delivery


# --- answers kept for Idempotency-Key retries ----------------------------------------------------
# Technical rows, like last_used_at above: the write they answer is audited, they are not.
def _answer_context(api_key: ApiKey, key: str) -> str:
    return f"exchange.idempotent:{api_key.pk}:{key}"


def _answers_cutoff() -> datetime:
    return clock.now() - timedelta(hours=settings.IDEMPOTENCY_HOURS)


def idempotent_answer_find(*, api_key: ApiKey, key: str) -> tuple[str, int, object] | None:
    """The (request hash, status, body) first given for this key, unless it has expired; an
    expired answer is forgotten here, so the retry is handled as a new request."""
    IdempotentRequest.objects.filter(
        api_key=api_key, key=key, created_at__lt=_answers_cutoff()
    ).delete()
    seen = IdempotentRequest.objects.filter(api_key=api_key, key=key).first()
    if seen is None:
        return None
    body = json.loads(pii.decrypt(seen.body_cipher, context=_answer_context(api_key, key)))
    return seen.request_hash, seen.status, body


def idempotent_answer_store(
    *, api_key: ApiKey, key: str, request_hash: str, status: int, body: object
) -> None:
    plain = json.dumps(body, default=str, ensure_ascii=False)
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                api_key=api_key,
                key=key,
                request_hash=request_hash,
                status=status,
                body_cipher=pii.encrypt(plain, context=_answer_context(api_key, key)),
                created_at=clock.now(),
            )
    except IntegrityError:
        pass  # a concurrent retry stored the same answer first


def idempotent_answers_expire() -> int:
    """Delete the answers older than ``IDEMPOTENCY_HOURS``; returns how many."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=_answers_cutoff()).delete()
    return deleted
