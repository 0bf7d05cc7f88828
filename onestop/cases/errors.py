"""The refusals of case actions, below everything else in cases so the workflow stays pure."""

from onestop.core.actions import ActionRefused


class CaseError(ActionRefused):
    """An action cannot be done now; the message says why, in words for the user."""


class Conflict(CaseError):
    """Someone else acted first."""
