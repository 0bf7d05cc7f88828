"""Text-message provider adapters; the default one only logs (``services.sms_send`` records
every message, sent or failed)."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class Backend(Protocol):
    """A provider adapter: ``send`` raises when the provider did not take the message."""

    def send(self, phone: str, text: str) -> None: ...


class ConsoleBackend:
    """Local use: the message stays in the database (see the developer outbox) and the log."""

    name = "console"

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s****%s: %s", phone[:3], phone[-4:], text)


def backend() -> Backend:
    sender: Backend = import_string(settings.SMS_BACKEND)()
    return sender
