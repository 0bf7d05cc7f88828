"""Text messages through a provider adapter; the default adapter only records and logs them."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from .models import SmsMessage

log = logging.getLogger(__name__)


class ConsoleBackend:
    """Local use: the message stays in the database (see the developer outbox) and the log."""

    name = "console"

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s****%s: %s", phone[:3], phone[-4:], text)


def backend():
    return import_string(settings.SMS_BACKEND)()


def sms_send(*, phone: str, text: str, purpose: str) -> SmsMessage:
    sender = backend()
    message = SmsMessage.objects.create(
        phone=phone, text=text[:500], purpose=purpose, backend=getattr(sender, "name", "")
    )
    try:
        sender.send(phone, text)
    except Exception as exc:
        SmsMessage.objects.filter(pk=message.pk).update(error=str(exc)[:200])
        log.warning("SMS to %s****%s failed: %s", phone[:3], phone[-4:], exc)
        raise
    SmsMessage.objects.filter(pk=message.pk).update(sent=True)
    return message
