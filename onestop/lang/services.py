from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock

from . import catalog
from .models import Phrase


def phrase_review(*, actor: Actor, msgid: str, text: str) -> Phrase:
    """A 系统管理员 corrects or confirms the Mongolian for one message: it takes effect without
    a deploy (every process sees it within the catalog's recheck time, this one at once)."""
    if actor is None or not actor.is_admin_role:
        raise PermissionDenied(gettext("只有系统管理员可以审校译文。"))
    text = (text or "").strip()
    key = catalog.key_of(msgid)
    if msgid not in catalog.shipped() and not Phrase.objects.filter(key=key).exists():
        raise ValidationError({"msgid": gettext("没有这条原文。")})
    if not text:
        raise ValidationError({"text": gettext("请填写蒙古文译文。")})
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        raise ValidationError({"text": gettext("译文须用传统蒙古文书写，不能含西里尔字母。")})
    with transaction.atomic():
        before = catalog.entries.get().get(msgid)
        phrase, _ = Phrase.objects.update_or_create(
            key=key,
            defaults={
                "msgid": msgid,
                "text": text,
                "state": Phrase.State.REVIEWED,
                "updated_at": clock.now(),
                "updated_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action=AuditAction.PHRASE_REVIEW,
            subject=phrase,
            detail={"msgid": msgid[:200], "before": before.text if before else "", "after": text},
        )
    transaction.on_commit(catalog.entries.reset)
    return phrase
