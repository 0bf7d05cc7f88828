"""Preparing, handing over, posting and tracking the one delivery of an application's results."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext, gettext_noop

from onestop.accounts.actors import Actor
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import Entry, audit_record
from onestop.cases.models import Application, Matter
from onestop.cases.workflow import APPLICATION, DECIDED, can_deliver, is_decided, move
from onestop.core import clock
from onestop.core.actions import ActionRefused
from onestop.core.words import Words, bare, words
from onestop.notices.services import notify_application

from .models import Handover
from .places import how_to_receive

READY = gettext_noop("{approved}已办好")
REFUSED = gettext_noop("{refused}未获批准，结果告知书写明了原因和不服时怎么办")
READY_AND_REFUSED = gettext_noop(
    "{approved}已办好；{refused}未获批准，结果告知书写明了原因和不服时怎么办"
)


class DeliveryRefused(ActionRefused):
    pass


def _code_hash(handover_pk: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"pickup:{handover_pk}:{code}".encode(), hashlib.sha256).hexdigest()


def handover_prepare(
    *, application: Application, matters: QuerySet[Matter] | None = None, early: bool = False
) -> Handover | None:
    """Gather the decided results not yet handed over into one delivery, and tell the applicant
    (with a pick-up code, or where it will be posted). Call inside the change's transaction."""
    done = Handover.objects.filter(application=application).values("matters")
    pending = list(
        (
            matters if matters is not None else application.matters.filter(status__in=DECIDED)
        ).exclude(pk__in=done)
    )
    if not pending:
        return None
    method = application.delivery or Handover.Method.PICKUP
    handover = Handover.objects.create(
        application=application,
        early=early,
        method=method,
        address=application.delivery_address,
        created_at=clock.now(),
    )
    handover.matters.set(pending)
    if method == Handover.Method.PICKUP:
        code = f"{secrets.randbelow(10**6):06d}"
        Handover.objects.filter(pk=handover.pk).update(
            pickup_code_hash=_code_hash(handover.pk, code)
        )
        how = how_to_receive(application, code)
    else:
        how = how_to_receive(application)
    notify_application(application=application, event="ready", results=_results(pending), how=how)
    audit_record(
        actor=None,
        action=AuditAction.HANDOVER_READY,
        subject=application,
        detail={
            "handover": handover.pk,
            "method": method,
            "early": early,
            "matters": [m.kind for m in pending],
        },
    )
    return handover


def _results(matters: list[Matter]) -> Words:
    """Which results are ready, in words: a refused matter is never said to be 办好."""
    approved = tuple(m.label for m in matters if m.status == Matter.Status.APPROVED)
    refused = tuple(m.label for m in matters if m.status != Matter.Status.APPROVED)
    if approved and refused:
        return words(READY_AND_REFUSED, approved=approved, refused=refused)
    return words(READY, approved=approved) if approved else words(REFUSED, refused=refused)


def handover_request_early(*, application: Application, matter: Matter) -> Handover:
    """The applicant asks for one decided result now rather than with the others."""
    if matter.application_id != application.pk or not is_decided(matter.status):
        raise DeliveryRefused(gettext("这个事项还没有办理结果。"))
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        handover = handover_prepare(
            application=locked, matters=locked.matters.filter(pk=matter.pk), early=True
        )
    if handover is None:
        raise DeliveryRefused(gettext("这个结果已经安排送达了。"))
    return handover


def _check_window(actor: Actor, application: Application) -> None:
    if (
        actor is None
        or actor.role != Role.WINDOW_CLERK
        or not actor.scope
        or not actor.scope.contains(application.township)
    ):
        raise PermissionDenied(gettext("由申请人户籍地的窗口办理送达。"))


def _delivered(actor: Actor, handover: Handover, detail: dict) -> None:
    now = clock.now()
    handover.status, handover.delivered_at = Handover.Status.DELIVERED, now
    handover.save(update_fields=["status", "delivered_at", "handed_over_by", "tracking_no"])
    app = Application.objects.select_for_update().get(pk=handover.application_id)
    everything = not app.matters.exclude(handovers__status=Handover.Status.DELIVERED).exists()
    if can_deliver(app.status) and everything:
        app.status = move(APPLICATION, app.status, Application.Status.DELIVERED)
        app.delivered_at = now
        app.save(update_fields=["status", "delivered_at"])
    note = detail.get("note", "")
    notify_application(
        application=app,
        event="delivered",
        note=words(gettext_noop("（{note}）"), note=bare(note)) if note else "",
        audit_with=[
            Entry(
                actor,
                AuditAction.APPLICATION_DELIVER,
                app,
                {"handover": handover.pk, "method": handover.method, **detail},
            )
        ],
    )
    if app.status == Application.Status.DELIVERED:
        notify_application(application=app, event="rating")


def handover_pickup(*, actor: Actor, handover: Handover, code: str) -> Handover:
    """The clerk hands the results over against the pick-up code; that visit is a trip."""
    _check_window(actor, handover.application)
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        if locked.status == Handover.Status.DELIVERED:
            return locked
        if locked.method != Handover.Method.PICKUP:
            raise DeliveryRefused(gettext("这份结果是邮寄的，不在窗口领取。"))
        if not hmac.compare_digest(
            locked.pickup_code_hash, _code_hash(locked.pk, (code or "").strip())
        ):
            raise DeliveryRefused(gettext("取件码不对，请核对申请人收到的短信或站内信。"))
        locked.handed_over_by = actor
        Application.objects.filter(pk=locked.application_id).update(trips=F("trips") + 1)
        _delivered(actor, locked, {"note": "窗口领取"})
    return locked


def handover_post(*, actor: Actor, handover: Handover, tracking_no: str) -> Handover:
    _check_window(actor, handover.application)
    tracking_no = (tracking_no or "").strip()
    if not tracking_no:
        raise ValidationError({"tracking_no": gettext("请填写邮件号。")})
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        if locked.method != Handover.Method.POST or locked.status != Handover.Status.READY:
            raise DeliveryRefused(gettext("这份结果不是待寄出的邮件。"))
        locked.status, locked.tracking_no, locked.handed_over_by = (
            Handover.Status.POSTED,
            tracking_no[:40],
            actor,
        )
        locked.save(update_fields=["status", "tracking_no", "handed_over_by"])
        notify_application(
            application=locked.application,
            event="posted",
            mail_no=locked.tracking_no,
            audit_with=[
                Entry(
                    actor,
                    AuditAction.HANDOVER_POSTED,
                    locked.application,
                    {"handover": locked.pk, "tracking_no": locked.tracking_no},
                )
            ],
        )
    return locked


def handover_track(
    *, actor: Actor, handover: Handover, status: str, tracking_no: str = ""
) -> Handover:
    """A postal status (from the window, or from the logistics system through the API)."""
    if status not in (Handover.Status.DELIVERED, Handover.Status.RETURNED):
        raise ValidationError(
            {"status": gettext("邮件状态只能是 delivered（已签收）或 returned（退回）。")}
        )
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        if locked.method != Handover.Method.POST:
            raise DeliveryRefused(gettext("这份结果不是邮寄的。"))
        if locked.status == status:
            return locked
        if tracking_no:
            locked.tracking_no = tracking_no[:40]
        if status == Handover.Status.DELIVERED:
            _delivered(actor, locked, {"note": f"邮件 {locked.tracking_no} 已签收"})
        else:
            locked.status = status
            locked.save(update_fields=["status", "tracking_no"])
            audit_record(
                actor=actor,
                action=AuditAction.HANDOVER_RETURNED,
                subject=locked.application,
                detail={"handover": locked.pk, "tracking_no": locked.tracking_no},
            )
    return locked
