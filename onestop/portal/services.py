"""The applicant's side: SMS codes, sign-in, drafts and the inbox's read marks."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.actions import ActionRefused
from onestop.core.ratelimit import hit
from onestop.notices.models import Notice
from onestop.notices.services import sms_send
from onestop.people.identifiers import IdentifierError, mask_mobile, parse_mobile
from onestop.people.models import Person

from .models import Draft, DraftFile, OneTimeCode
from .selectors import people_for

CODE_MINUTES = 5
MAX_ATTEMPTS = 5


class PortalError(ActionRefused):
    """Something the person must be told, in plain words."""


def _hash(phone: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def code_send(
    *, phone: str, purpose: str, ip: str, application=None, send_to: str | None = None
) -> OneTimeCode:
    """Send a fresh 6-digit code. ``phone`` identifies the request; ``send_to`` (default the same)
    is where the text goes: a status lookup sends to the applicant's number on record."""
    try:
        phone = parse_mobile(phone)
    except IdentifierError as exc:
        raise PortalError(str(exc)) from None
    if not hit("sms-phone-minute", phone, 1, 60):
        raise PortalError(gettext("验证码已发送，请 1 分钟后再重新获取。"))
    if not hit("sms-phone-hour", phone, settings.SMS_PER_PHONE_HOUR, 3600):
        raise PortalError(gettext("这个手机号获取验证码次数太多，请 1 小时后再试。"))
    if not hit("sms-ip-hour", ip, settings.SMS_PER_IP_HOUR, 3600):
        raise PortalError(gettext("获取验证码次数太多，请稍后再试。"))
    code = f"{secrets.randbelow(10**6):06d}"
    now = clock.now()
    with transaction.atomic():
        # A new code replaces the earlier ones: only the latest works.
        OneTimeCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(
            used_at=now
        )
        otc = OneTimeCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_hash(phone, code),
            application=application,
            created_at=now,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
        what = "登录" if purpose == OneTimeCode.Purpose.SIGN_IN else "查询办理进度"
        sms_send(
            phone=send_to or phone,
            text=f"【一件事一次办】您的{what}验证码是 {code}，"
            f"{CODE_MINUTES} 分钟内有效。请勿告诉他人。",
            purpose=purpose,
        )
    return otc


def code_verify(*, phone: str, purpose: str, code: str) -> OneTimeCode:
    """Check a code: single use, expires, and five wrong tries end it."""
    try:
        phone = parse_mobile(phone)
    except IdentifierError as exc:
        raise PortalError(str(exc)) from None
    now = clock.now()
    problem = ""
    # The attempt is recorded even when the code is wrong: the error is raised after the commit.
    with transaction.atomic():
        otc = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otc is None:
            problem = gettext("请先获取验证码。")
        elif otc.expires_at <= now:
            problem = gettext("验证码已过期，请重新获取。")
        elif not hmac.compare_digest(otc.code_hash, _hash(phone, (code or "").strip())):
            otc.attempts += 1
            if otc.attempts >= MAX_ATTEMPTS:
                otc.used_at = now
                problem = gettext("验证码输错次数太多，已失效，请重新获取。")
            else:
                problem = gettext("验证码不正确，还可以再试 {n} 次。").format(
                    n=MAX_ATTEMPTS - otc.attempts
                )
            otc.save(update_fields=["attempts", "used_at"])
        else:
            otc.used_at = now
            otc.save(update_fields=["used_at"])
    if problem or otc is None:
        raise PortalError(problem)
    return otc


def citizen_sign_in(*, request, phone: str) -> None:
    request.session.cycle_key()  # a new session id at sign-in: no fixation
    request.session["citizen_phone"] = phone
    audit_record(
        actor=None, action=AuditAction.CITIZEN_SIGN_IN, detail={"phone": mask_mobile(phone)}
    )


# Drafts are the applicant's own unsent data, seen by no one else and replaced freely, so saving
# one leaves no audit event: the submission is audited, with the materials it carries. Removing
# an uploaded file does leave one, so a dispute over "I uploaded it" can be settled.
def draft_save(*, phone: str, person: Person, data: Mapping[str, object], resume: str) -> Draft:
    """Keep one step's answers; ``resume`` is the step 接着填写 opens."""
    with transaction.atomic():
        draft, _ = Draft.objects.select_for_update().get_or_create(phone=phone, person=person)
        draft.data = {**draft.data, **data, "step": resume}
        draft.save()
    return draft


def draft_files_add(*, phone: str, person: Person, files: Mapping[str, UploadedFile]) -> Draft:
    """Keep each upload (by material code), replacing an earlier file for the same material."""
    with transaction.atomic():
        draft, _ = Draft.objects.get_or_create(phone=phone, person=person)
        for code, upload in files.items():
            content = upload.read()
            sha = hashlib.sha256(content).hexdigest()
            _files_drop(draft.files.filter(code=code))
            item = DraftFile(
                draft=draft, code=code, original_name=(upload.name or "")[:200], sha256=sha
            )
            item.file.save(sha[:32], ContentFile(content), save=True)
    return draft


def draft_file_remove(*, phone: str, item: DraftFile) -> None:
    with transaction.atomic():
        audit_record(
            actor=None,
            action=AuditAction.DRAFT_FILE_REMOVE,
            subject=item.draft.person,
            detail={"code": item.code, "sha256": item.sha256, "phone": mask_mobile(phone)},
        )
        item.delete()
    item.file.delete(save=False)


def draft_discard(*, draft: Draft) -> None:
    """Drop a draft once its application is submitted (the materials went with it)."""
    if draft.pk is None:
        return
    with transaction.atomic():
        _files_drop(draft.files.all())
        draft.delete()


def _files_drop(items: QuerySet[DraftFile]) -> None:
    for item in items:
        item.file.delete(save=False)
        item.delete()


def inbox_mark_read(*, phone: str, notice_ids: Iterable[int]) -> int:
    """Mark the listed 站内信 read, only those of persons this number acts for. No audit event:
    a read mark is the applicant's own view of their inbox, and nobody else acts on it."""
    return Notice.objects.filter(
        pk__in=list(notice_ids),
        person__in=people_for(phone),
        channel=Notice.Channel.INBOX,
        read_at__isnull=True,
    ).update(read_at=clock.now())
