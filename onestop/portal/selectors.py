"""What the portal reads: everything scoped to the signed-in number and the persons it acts for,
except the status lookup, which a code sent to the applicant's number opens."""

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet

from onestop.cases.models import Application, Matter, Step
from onestop.cases.selectors import OPEN_APPLICATION
from onestop.notices.models import Notice, SmsMessage
from onestop.people.models import Certificate, Guardian, Person
from onestop.people.selectors import certificates_to_renew
from onestop.policy.matters import Matter as MatterType
from onestop.ratings.models import Rating

from .models import Draft, DraftFile

INBOX_SIZE = 100


def people_for(phone: str) -> QuerySet[Person]:
    """The persons a signed-in number may act for: themself, and whom they are recorded as
    guardian or agent of."""
    represented = Guardian.objects.filter(phone=phone).values("person_id")
    return Person.objects.filter(Q(phone=phone) | Q(pk__in=represented)).select_related(
        "hukou_region"
    )


def person_for(phone: str, person_id: int) -> Person | None:
    return people_for(phone).filter(pk=person_id).first()


def representative_for(phone: str, person: Person) -> Guardian | None:
    """The guardian record through which ``phone`` acts for ``person`` (None: acting for self)."""
    if person.phone == phone:
        return None
    return person.guardians.filter(phone=phone).order_by("kind").first()


def renewals_due(people: Iterable[Person], day: date) -> dict[int, Certificate]:
    """The persons (already the caller's) whose card is due for 换证 and who have not yet
    applied for it: their card, by person id. Two queries."""
    due = certificates_to_renew([p.pk for p in people], day)
    applying = Matter.objects.filter(
        application__applicant__in=list(due),
        application__status__in=OPEN_APPLICATION,
        kind=MatterType.CERT,
        status__in=Matter.OPEN,
    ).values_list("application__applicant_id", flat=True)
    for pk in set(applying):
        due.pop(pk, None)
    return due


def renewal_due(person: Person, day: date) -> Certificate | None:
    """The person's card due for 换证, if any (whether or not they applied already)."""
    return certificates_to_renew([person.pk], day).get(person.pk)


def applications_for(phone: str) -> QuerySet[Application]:
    """The applications of everyone this number acts for, newest first."""
    return (
        Application.objects.filter(applicant__in=people_for(phone).values("pk"))
        .select_related("applicant", "county", "township")
        .order_by("-created_at")
    )


def application_for(phone: str, pk: int) -> Application | None:
    return applications_for(phone).filter(pk=pk).first()


def matter_of(application: Application, pk: object, *, decided: bool = False) -> Matter | None:
    """One matter of an application already scoped to the caller (``pk`` as it came in a form)."""
    matters = (
        application.matters.filter(decided_at__isnull=False) if decided else application.matters
    )
    try:
        return matters.filter(pk=int(str(pk))).first()
    except ValueError:
        return None


def rating_of(application: Application, pk: int) -> Rating | None:
    return Rating.objects.filter(application=application, pk=pk).first()


def status_rows(application: Application) -> tuple[list[Matter], list[Step], list[Rating]]:
    """What the status block shows, in three queries: the matters, their steps, the ratings."""
    return (
        list(application.matters.order_by("pk")),
        list(
            Step.objects.filter(matter__application=application)
            .select_related("unit")
            .order_by("pk")
        ),
        list(Rating.objects.filter(application=application)),
    )


def drafts_for(phone: str) -> QuerySet[Draft]:
    return Draft.objects.filter(phone=phone).select_related("person")


def draft_for(phone: str, person: Person) -> Draft | None:
    return Draft.objects.filter(phone=phone, person=person).first()


def draft_files(draft: Draft) -> QuerySet[DraftFile]:
    return draft.files.order_by("pk") if draft.pk else DraftFile.objects.none()


def draft_file_for(phone: str, person: Person, pk: int) -> DraftFile | None:
    return DraftFile.objects.filter(pk=pk, draft__phone=phone, draft__person=person).first()


def inbox_for(phone: str) -> list[Notice]:
    """站内信 for everyone this number acts for, newest first."""
    return list(
        Notice.objects.filter(person__in=people_for(phone), channel=Notice.Channel.INBOX)
        .select_related("person", "application")
        .order_by("-created_at")[:INBOX_SIZE]
    )


def application_by_tracking(number: str) -> Application | None:
    """The status lookup's candidate; the caller checks the ID number's last six before use."""
    return Application.objects.filter(tracking_no=number).select_related("applicant").first()


def looked_up_application(pk: int) -> Application | None:
    """The application a verified lookup code opened (its id is kept in the session)."""
    return Application.objects.select_related("applicant").filter(pk=pk).first()


def looked_up_applicant(pk: int) -> QuerySet[Person]:
    """The applicant of the looked-up application, for the payments shown beside it."""
    return Person.objects.filter(applications__pk=pk)


def latest_event(pk: int) -> int | None:
    """The newest audit event of an application: the status pages' cache key."""
    # Plain SQL: this runs on every view of the page, and the ORM's compiling is most of its cost.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MAX(seq) FROM audit_auditevent WHERE subject_type = %s AND subject_id = %s",
            ["cases.application", str(pk)],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def texts_sent(limit: int = 50) -> QuerySet[SmsMessage]:
    """Local use only: what the console text backend "sent"."""
    return SmsMessage.objects.all()[:limit]
