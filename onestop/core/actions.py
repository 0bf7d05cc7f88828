"""Turning a service call's outcome into the one message a person sees."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


class ActionRefused(Exception):
    """A service refused an action for a reason the person can act on; the message says it."""


def run_action(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Run ``action``; show ``success``, or the reason it was refused. Permission errors are not
    caught: they become the 403 page."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
        return True
    return False
