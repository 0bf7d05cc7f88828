"""The refusals of case actions, below everything else in cases so the workflow stays pure."""

from typing import TYPE_CHECKING

from onestop.core.actions import ActionRefused

if TYPE_CHECKING:
    from .models import Application


class CaseError(ActionRefused):
    """An action cannot be done now; the message says why, in words for the user."""


class Conflict(CaseError):
    """Someone else acted first."""


class AlreadyOpen(CaseError):
    """已有在办申请: the person already has an open matter of a kind asked for."""

    def __init__(self, message: str, application: "Application") -> None:
        super().__init__(message)
        self.application = application
