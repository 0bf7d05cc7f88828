"""The refusals of case actions, below everything else in cases so the workflow stays pure."""

from onestop.core.actions import ActionRefused


class CaseError(ActionRefused):
    """An action cannot be done now; the message says why, in words for the user."""


class Conflict(CaseError):
    """Someone else acted first."""


class AlreadyOpen(CaseError):
    """已有在办申请: the person already has an open matter of a kind asked for."""

    def __init__(self, message: str, application):
        super().__init__(message)
        self.application = application
