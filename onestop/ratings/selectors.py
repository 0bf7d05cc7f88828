"""What staff may see of the ratings: the 差评 follow-ups of their unit or region."""

from django.db.models import Q, QuerySet

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role

from .models import Rating


def ratings_visible_to(user: StaffUser) -> QuerySet[Rating]:
    """A supervisor sees every rating in their region; a unit those it caused or is named in."""
    if user.role == Role.SUPERVISOR and user.scope is not None:
        return Rating.objects.filter(
            application__township__lft__gte=user.scope.lft,
            application__township__lft__lte=user.scope.rgt,
        )
    if user.org_unit_id is None:  # `unit_id=None` would match the ratings nobody caused
        return Rating.objects.none()
    named = Rating.named_units.through.objects.filter(orgunit_id=user.org_unit_id)
    return Rating.objects.filter(Q(unit_id=user.org_unit_id) | Q(pk__in=named.values("rating_id")))


def followups_for(user: StaffUser, *, show_all: bool = False) -> QuerySet[Rating]:
    """The follow-ups the user works on, earliest due first; only the open ones unless all."""
    ratings = (
        ratings_visible_to(user)
        .exclude(followup__in=("", Rating.FollowUp.WITHDRAWN))
        .select_related("application", "unit")
        .order_by("followup_due", "pk")
    )
    if show_all:
        return ratings
    return ratings.filter(
        followup__in=(Rating.FollowUp.OPEN, Rating.FollowUp.CALLED, Rating.FollowUp.APPEALED)
    )


def rating_visible_to(user: StaffUser, pk: int) -> Rating | None:
    return (
        ratings_visible_to(user)
        .select_related("application__applicant", "unit", "step")
        .filter(pk=pk)
        .first()
    )
