"""Notices to applicants and staff: one template per event, channels chosen by the person's needs.

Channels follow the communication needs recorded once on the application (and the kind of
disability): visual impairment → a voice call and large print; hearing impairment or "SMS only"
→ text, never voice alone; everyone gets the portal inbox; a recorded guardian or agent gets a copy.
Notices are written with the change that causes them and sent after it commits; a failed text is
retried by the worker."""

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import Entry, audit_record, audit_records
from onestop.core import clock
from onestop.core.words import Translate, bare, recorded, sentence, written
from onestop.people.models import Certificate, CertificateStatus, Person
from onestop.people.renewal import RENEWAL_DAYS
from onestop.regions.models import OrgUnit
from onestop.regions.selectors import window_unit_id

from . import sms
from .models import TEXT_LENGTH, Notice, SmsMessage

if TYPE_CHECKING:  # notices sit below cases; the type is only for the checker
    from onestop.cases.models import Application

log = logging.getLogger(__name__)

TEMPLATES = {
    "accepted": "【一件事一次办】{name}的申请（编号 {tracking_no}）已受理，全部事项在 {due} 前办结。"
    "可凭编号和身份证号后六位查询进度。",
    "supplement": "【一件事一次办】{name}的申请（编号 {tracking_no}）办理{matter}需要补交：{missing}。"
    "请登录网上办事补交，或到窗口补交；补交后接着计时。",
    "decided": "【一件事一次办】{name}的{matter}已办理完毕：{outcome}。{reason}",
    "delivered": "【一件事一次办】{name}的申请（编号 {tracking_no}）的全部办理结果已送达{note}",
    "ready": "【一件事一次办】{name}的办理结果出来了：{results}。{how}",
    "posted": "【一件事一次办】{name}的办理结果已寄出，邮件号 {mail_no}。",
    "rating": "【一件事一次办】请为这次办事打个分（编号 {tracking_no}），您的评价会帮助我们改进。",
    "rating_answered": "【一件事一次办】{name}，您对申请（编号 {tracking_no}）的{level}评价已有回复："
    "{answer}。请登录网上办事查看，并评价整改情况。",
    "proactive": "【一件事一次办】根据共享信息，{name}可以享受{matter}。请登录网上办事确认，不用跑腿。",
    "cert_expiry": "【一件事一次办】{name}的残疾人证将于{until}到期。请在到期前到户籍所在地旗县（市、区）"
    "残联窗口或登录网上办事申请换证；到期未换证的，残疾人两项补贴将停发。",
    "payment_returned": "【一件事一次办】{name}{month}的{kind}没有发放成功：{reason}。"
    "请到残联窗口或登录网上办事更新收款账户，更新后在下次发放时补发。",
}
VISUAL, HEARING = 1, 2
# A person at the applicant's 残联 window makes the call or prints and hands over the letter.
BY_THE_WINDOW = (Notice.Channel.VOICE, Notice.Channel.LARGE_PRINT)


def channels_for(application: "Application") -> list[str]:
    needs = set(application.communication_needs or [])
    categories = set(
        Certificate.objects.filter(
            person_id=application.applicant_id, status=CertificateStatus.VALID
        ).values_list("category", flat=True)
    )
    chosen: list[str] = [Notice.Channel.INBOX]
    if "sms_only" in needs:
        return [*chosen, Notice.Channel.SMS]
    chosen.append(Notice.Channel.SMS)  # text reaches both the deaf and screen-reader users
    if "voice_call" in needs or VISUAL in categories:
        chosen.append(Notice.Channel.VOICE)
    if "large_print" in needs or VISUAL in categories:
        chosen.append(Notice.Channel.LARGE_PRINT)
    return chosen


def notify_application(
    *, application: "Application", event: str, audit_with: Sequence[Entry] = (), **values: Any
) -> list[Notice]:
    """The notices an event on an application gives rise to; call inside its transaction.
    ``audit_with`` are the caller's own audit events, written before the notice's in one go."""
    person = application.applicant
    text = compose(
        event, reader=person, name=person.name, tracking_no=application.tracking_no, **values
    )
    now = clock.now()
    notices = []
    for channel in channels_for(application):
        phone = person.phone if channel in (Notice.Channel.SMS, Notice.Channel.VOICE) else ""
        if channel in (Notice.Channel.SMS, Notice.Channel.VOICE) and not phone:
            continue
        notices.append(
            Notice(
                event=event,
                channel=channel,
                person=person,
                phone=phone,
                application=application,
                unit_id=window_unit_id(application.county_id) if channel in BY_THE_WINDOW else None,
                text=text,
                created_at=now,
                # The inbox is delivered by being written; calls and print wait for the window.
                status=Notice.Status.SENT
                if channel == Notice.Channel.INBOX
                else Notice.Status.PENDING,
            )
        )
    guardian = application.representative
    if guardian is not None and guardian.phone:
        notices.append(
            Notice(
                event=event,
                channel=Notice.Channel.SMS,
                person=person,
                phone=guardian.phone,
                application=application,
                to_guardian=True,
                text=text,
                created_at=now,
            )
        )
    Notice.objects.bulk_create(notices)
    channels = sorted({n.get_channel_display() for n in notices})
    audit_records(
        [
            *audit_with,
            Entry(None, AuditAction.NOTICE, application, {"event": event, "channels": channels}),
        ]
    )
    if any(n.channel == Notice.Channel.SMS for n in notices):
        transaction.on_commit(_send_soon)
    return notices


def notify_person(*, person: Person, event: str, template: str = "", **values: Any) -> list[Notice]:
    """A notice about the person rather than one application: to their inbox and phone, and a
    copy to every recorded guardian or agent with a phone. ``event`` names it (one reminder of
    a series, say); ``template`` is its text, by default the event's own."""
    text = compose(template or event, reader=person, name=person.name, **values)
    now = clock.now()
    notices = [
        Notice(
            event=event,
            channel=Notice.Channel.INBOX,
            person=person,
            text=text,
            created_at=now,
            status=Notice.Status.SENT,
        )
    ]
    phones = [(person.phone, False)] + [(g.phone, True) for g in person.guardians.all()]
    notices += [
        Notice(
            event=event,
            channel=Notice.Channel.SMS,
            person=person,
            phone=phone,
            to_guardian=copy,
            text=text,
            created_at=now,
        )
        for phone, copy in phones
        if phone
    ]
    Notice.objects.bulk_create(notices)
    audit_record(
        actor=None,
        action=AuditAction.NOTICE,
        subject=person,
        detail={"event": event, "channels": sorted({n.get_channel_display() for n in notices})},
    )
    if len(notices) > 1:
        transaction.on_commit(_send_soon)
    return notices


# Days before a certificate expires: the first when 换证 may be applied for.
EXPIRY_REMINDERS = (RENEWAL_DAYS, 30)
EXPIRY_EVENT = "cert_expiry_"  # and the days: one event per reminder of the series


def certificate_expiry_remind(*, today: date) -> int:
    """Tell the holder (and guardian) 90 and then 30 days before a certificate expires, once
    each; a day missed is caught up the next day. Returns the persons told."""
    told = 0
    for days in EXPIRY_REMINDERS:
        event = f"{EXPIRY_EVENT}{days}"
        told_before = Notice.objects.filter(
            person_id=OuterRef("person_id"),
            event=event,
            created_at__gte=clock.now() - timedelta(days=days + 30),
        )
        soon = Certificate.objects.filter(
            ~Exists(told_before),
            status=CertificateStatus.VALID,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=days),
        )
        for certificate in soon.select_related("person").order_by("pk"):
            if days == max(EXPIRY_REMINDERS) and certificate.valid_until <= today + timedelta(
                days=min(EXPIRY_REMINDERS)
            ):
                continue  # inside the last window: the later reminder says it
            with transaction.atomic():
                notify_person(
                    person=certificate.person,
                    event=event,
                    template="cert_expiry",
                    until=certificate.valid_until,
                )
            told += 1
    return told


def compose(event: str, *, reader: Person | None = None, **values: Any) -> str:
    """The text of an event's notice. Each value is a clause whose own closing punctuation is
    dropped (the template punctuates), a list is itemised, and the text ends in one stop.

    For a ``reader`` who reads Mongolian first, the Mongolian comes first (with their name in
    Mongolian script where recorded, and every value in Mongolian: pass dates as dates and
    sentences as ``Words``) and the Chinese beside it, as bilingual notices must be."""
    chinese = sentence(_filled(TEMPLATES[event], values, recorded))
    if reader is None or not reader.language:
        return chinese
    with translation.override(reader.language):
        if translation.gettext(TEMPLATES[event]) == TEMPLATES[event]:  # not translated yet
            return chinese
        if reader.name_mn and "name" in values:
            values = {**values, "name": reader.name_mn}
        return f"{_filled(TEMPLATES[event], values, translation.gettext)}\n{chinese}"


def _filled(template: str, values: dict[str, Any], tr: Translate) -> str:
    return tr(template).format(**{k: bare(written(v, tr)) for k, v in values.items()})


def notify_unit(*, unit: OrgUnit | None, text: str, event: str = "staff") -> Notice | None:
    """A message for everyone at a unit (shown on their workbench)."""
    if unit is None:
        return None
    return Notice.objects.create(
        event=event,
        channel=Notice.Channel.INBOX,
        unit=unit,
        text=text[:500],
        created_at=clock.now(),
        status=Notice.Status.SENT,
    )


def window_notices(user: StaffUser) -> QuerySet[Notice]:
    """Calls to make and large-print letters to hand over, for the window clerk's unit."""
    return (
        Notice.objects.filter(
            unit_id=user.org_unit_id, channel__in=BY_THE_WINDOW, status=Notice.Status.PENDING
        )
        .select_related("application", "person")
        .order_by("created_at", "pk")
    )


def notice_handled(*, actor: StaffUser, notice: Notice, reached: bool, note: str = "") -> Notice:
    """The clerk reports a call (reached or not) or a large-print letter handed over or posted.
    A call not reached stays on the list to try again, until the limit of tries."""
    if (
        notice.channel not in BY_THE_WINDOW
        or actor.role != Role.WINDOW_CLERK
        or notice.unit_id != actor.org_unit_id
    ):
        raise PermissionDenied(gettext("这条告知不归本窗口办理。"))
    with transaction.atomic():
        current = Notice.objects.select_for_update().get(pk=notice.pk)
        if current.status != Notice.Status.PENDING:
            raise ValidationError(gettext("这条告知已经办理过了。"))
        attempts = current.attempts + 1
        if reached:
            status = Notice.Status.SENT
        elif attempts >= settings.NOTICE_MAX_ATTEMPTS:
            status = Notice.Status.FAILED
        else:
            status = Notice.Status.PENDING
        Notice.objects.filter(pk=current.pk).update(
            status=status, attempts=attempts, error="" if reached else note[:200]
        )
        audit_record(
            actor=actor,
            action=AuditAction.NOTICE_HANDLED,
            subject=current.application or current,
            detail={
                "notice": current.pk,
                "channel": current.channel,
                "reached": reached,
                "note": note[:200],
            },
        )
    notice.refresh_from_db()
    return notice


def sms_send(*, phone: str, text: str, purpose: str) -> SmsMessage:
    """Send one text through the provider, recorded whether it went or failed."""
    sender = sms.backend()
    message = SmsMessage.objects.create(
        phone=phone, text=text[:TEXT_LENGTH], purpose=purpose, backend=getattr(sender, "name", "")
    )
    try:
        sender.send(phone, text)
    except Exception as exc:
        SmsMessage.objects.filter(pk=message.pk).update(error=str(exc)[:200])
        log.warning("SMS to %s****%s failed: %s", phone[:3], phone[-4:], exc)
        raise
    SmsMessage.objects.filter(pk=message.pk).update(sent=True)
    return message


def _send_soon() -> None:
    if settings.NOTICES_SEND_ON_COMMIT:
        from .tasks import send_notices_now

        send_notices_now()


def send_pending(*, limit: int = 200) -> int:
    """Send pending texts; a failure is retried on the next round, up to a limit. Each text is
    leased before it is sent, so two workers never send it at once and one held by a worker that
    died is sent when the lease runs out."""
    sent = 0
    now = clock.now()
    due = Notice.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=now),
        status=Notice.Status.PENDING,
        channel=Notice.Channel.SMS,
    ).order_by("pk")[:limit]
    for notice in due:
        leased = Notice.objects.filter(
            pk=notice.pk, status=Notice.Status.PENDING, lease_until=notice.lease_until
        ).update(lease_until=clock.now() + timedelta(seconds=settings.NOTICE_LEASE_SECONDS))
        if not leased:
            continue
        try:
            sms_send(phone=notice.phone, text=notice.text, purpose=notice.event)
        except Exception as exc:
            attempts = notice.attempts + 1
            status = (
                Notice.Status.FAILED
                if attempts >= settings.NOTICE_MAX_ATTEMPTS
                else Notice.Status.PENDING
            )
            Notice.objects.filter(pk=notice.pk).update(
                attempts=attempts, status=status, error=str(exc)[:200], lease_until=None
            )
            continue
        Notice.objects.filter(pk=notice.pk).update(
            status=Notice.Status.SENT, attempts=notice.attempts + 1, lease_until=None
        )
        sent += 1
    return sent
