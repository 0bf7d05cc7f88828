import unicodedata
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from onestop.accounts.actors import Viewer
from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.core import pii
from onestop.core.words import MONGOLIAN_LETTER

from .models import CERT_CONTEXT, Certificate, CertificateStatus, Guardian, Person
from .renewal import due_for_renewal


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
    """Visible persons whose name, in Chinese or in Mongolian script, contains the text, by
    name; one more than ``limit`` tells the caller there were more."""
    mongolian = " ".join(unicodedata.normalize("NFC", text).split())
    found = Q(name__contains=text)
    if MONGOLIAN_LETTER.search(mongolian):
        found |= Q(name_mn__contains=mongolian)
    return list(persons_visible_to(user).filter(found).order_by("name", "pk")[: limit + 1])


def persons_listed(user: Viewer) -> QuerySet[Person]:
    """The visible persons as the register lists them, by name."""
    return persons_visible_to(user).order_by("name", "pk")


def guardian_of(person: Person, pk: int | str) -> Guardian | None:
    """One of the person's own guardians or agents (the person being one the caller may see)."""
    return person.guardians.filter(pk=pk).first()


def certificates_to_renew(person_ids: Iterable[int], day: date) -> dict[int, Certificate]:
    """For each of these persons (already scoped by the caller) whose newest card is due for
    换证 on ``day``, that card; one query."""
    newest: dict[int, Certificate] = {}
    cards = Certificate.objects.filter(person_id__in=list(person_ids)).order_by(
        "person_id", "-issue_date", "-pk"
    )
    for card in cards:
        newest.setdefault(card.person_id, card)
    return {
        pk: card
        for pk, card in newest.items()
        if due_for_renewal(card.valid_until, card.status == CertificateStatus.CANCELLED, day)
    }


def certificate_to_renew(person: Person, day: date) -> Certificate | None:
    """The person's card due for 换证 on ``day``, if any."""
    return certificates_to_renew([person.pk], day).get(person.pk)


def certificate_number_unused(number: str) -> str:
    """``number``, or with the next reissue mark (B1, B2…) when a card of that number is already
    on record: a renewal with the same category and level keeps the old card's row apart."""
    for mark in ["", *(f"B{n}" for n in range(1, 100))]:
        index = pii.blind_index(number + mark, context=CERT_CONTEXT)
        if not Certificate.objects.filter(number_index=index).exists():
            return number + mark
    raise ValidationError({"number": ["该残疾人证号的换发标记已用完，请联系系统管理员。"]})


def language_of_phone(phone: str) -> str:
    """The reading language recorded for the persons who use ``phone`` as their own ("" if none
    or they differ)."""
    languages = set(Person.objects.filter(phone=phone).values_list("language", flat=True))
    return languages.pop() if len(languages) == 1 else ""
