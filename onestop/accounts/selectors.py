from django.db.models import QuerySet

from onestop.regions.models import OrgUnit

from .actors import Viewer
from .models import StaffUser


def staff_visible_to(user: Viewer | None) -> QuerySet[StaffUser]:
    scope = getattr(user, "scope", None)
    if scope is None:
        return StaffUser.objects.none()
    return StaffUser.objects.filter(
        org_unit__region__lft__gte=scope.lft, org_unit__region__lft__lte=scope.rgt
    ).select_related("org_unit", "org_unit__region")


def units_visible_to(user: Viewer | None) -> QuerySet[OrgUnit]:
    scope = getattr(user, "scope", None)
    if scope is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        region__lft__gte=scope.lft, region__lft__lte=scope.rgt
    ).select_related("region")
