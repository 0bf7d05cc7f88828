from django.db.models import QuerySet
from django.http import Http404

from onestop.accounts.actors import Viewer
from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role

from .models import Guardian, Person


def persons_visible_to(user: Viewer) -> QuerySet[Person]:
    """Persons whose 户籍 lies in the user's region subtree; nothing for a user without a unit,
    nor for a 部门负责人, who reads figures, not people."""
    if not isinstance(user, StaffUser) or user.scope is None or user.role == Role.DEPARTMENT_HEAD:
        return Person.objects.none()
    scope = user.scope
    return Person.objects.filter(
        hukou_region__lft__gte=scope.lft, hukou_region__lft__lte=scope.rgt
    ).select_related("hukou_region")


def person_get(user: Viewer, pk: int | str) -> Person:
    """One visible person; anything else is 404 so out-of-scope records are not even confirmed."""
    person = persons_visible_to(user).filter(pk=pk).first()
    if person is None:
        raise Http404("未找到该人员，或不在您的管辖范围内。")
    return person


def persons_named(user: Viewer, text: str, limit: int) -> list[Person]:
    """Visible persons whose name contains the text, by name; one more than ``limit`` tells
    the caller there were more."""
    return list(
        persons_visible_to(user).filter(name__contains=text).order_by("name", "pk")[: limit + 1]
    )


def persons_listed(user: Viewer) -> QuerySet[Person]:
    """The visible persons as the register lists them, by name."""
    return persons_visible_to(user).order_by("name", "pk")


def guardian_of(person: Person, pk: int | str) -> Guardian | None:
    """One of the person's own guardians or agents (the person being one the caller may see)."""
    return person.guardians.filter(pk=pk).first()
