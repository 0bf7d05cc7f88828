"""What staff may see of the payments: the rolls of their own department's kinds in their region
(a supervisor: every kind in their region)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from onestop.accounts.actors import Viewer
from onestop.people.models import Person
from onestop.policy.matters import MATTER_DEPARTMENT
from onestop.policy.matters import Matter as MatterType

from .models import Entitlement, Kind, PayeeAccount, PaymentLine, PaymentRun, Recovery, ReviewItem


def pays(user: Viewer | None) -> bool:
    """Prepares or approves rolls (the roles are settings): who may see names and accounts.
    The one rule is the staff user's own (``StaffUser.sees_payments``); others never pay."""
    return bool(getattr(user, "sees_payments", False))


def kinds_for(user: Viewer | None) -> list[str]:
    """The benefit kinds the user's department pays; none for anyone else (supervisors and
    report readers see the payments' figures in the reports, not the rolls)."""
    department = getattr(user, "department", None)
    if not pays(user):
        return []
    return [k for k in Kind.values if MATTER_DEPARTMENT.get(MatterType(k)) == department]


def runs_visible_to(user: Viewer | None) -> QuerySet[PaymentRun]:
    scope = getattr(user, "scope", None)
    kinds = kinds_for(user)
    if scope is None or not kinds:
        return PaymentRun.objects.none()
    return PaymentRun.objects.filter(
        county__lft__gte=scope.lft, county__lft__lte=scope.rgt, kind__in=kinds
    ).select_related("county", "prepared_by", "approved_by", "released_by")


def run_visible_to(user: Viewer | None, pk: int) -> PaymentRun | None:
    return runs_visible_to(user).filter(pk=pk).first()


def run_lines(run: PaymentRun) -> QuerySet[PaymentLine]:
    return run.lines.select_related("person").order_by("person__name", "person_id", "month", "pk")


def returned_lines_for(user: Viewer | None) -> QuerySet[PaymentLine]:
    """The returns worklist: lines the paying agent sent back, not yet paid again."""
    return (
        PaymentLine.objects.filter(
            run__in=runs_visible_to(user),
            status=PaymentLine.Status.RETURNED,
            reissues__isnull=True,
        )
        .select_related("person", "run__county", "person__payee_account")
        .order_by("returned_at", "pk")
    )


def recoveries_for(user: Viewer | None) -> QuerySet[Recovery]:
    """The recoveries still to follow up, oldest first."""
    return (
        Recovery.objects.filter(line__run__in=runs_visible_to(user), status=Recovery.Status.OPEN)
        .select_related("line__person", "line__run__county")
        .order_by("created_at", "pk")
    )


def recovery_for(user: Viewer | None, pk: int) -> Recovery | None:
    return recoveries_for(user).filter(pk=pk).first()


def runs_listed(user: Viewer | None, kind: str = "") -> QuerySet[PaymentRun]:
    """The user's rolls, newest month first; of one kind if given."""
    runs = runs_visible_to(user).order_by("-month", "county__code", "kind")
    return runs.filter(kind=kind) if kind else runs


@dataclass
class PersonPayments:
    """What a person receives: each entitlement with its latest payments, newest first."""

    person: Person
    rows: list[tuple[Entitlement, list[PaymentLine]]]
    review: ReviewItem | None = None  # the 定期复核 pending soonest, while one is

    @property
    def reviewed(self) -> bool:
        """Receives a subsidy the yearly 定期复核 covers."""
        return any(e.kind in (Kind.LIVING, Kind.NURSING) and e.end is None for e, _ in self.rows)


def payments_of(persons: QuerySet[Person], recent: int = 24) -> list[PersonPayments]:
    """For the applicant's own view: only the persons the signed-in number acts for (or the
    applicant of a looked-up application). Four queries however many entitlements and lines:
    the persons, their entitlements, the newest ``recent`` lines of each (one windowed query)
    and the pending reviews."""
    people = list(persons.order_by("pk"))
    # Found through the persons (the lines' unique key leads with them): lines have no index
    # of their entitlement, which a month's run would pay for on every line.
    latest = (
        PaymentLine.objects.filter(person_id__in=[p.pk for p in people])
        .select_related("run")
        .order_by("-month", "-pk")[:recent]
    )
    entitlements = (
        Entitlement.objects.filter(person__in=[p.pk for p in people])
        .order_by("person_id", "kind", "-start", "pk")
        .prefetch_related(Prefetch("lines", queryset=latest, to_attr="recent_lines"))
    )
    by_person: dict[int, list[Entitlement]] = {}
    for entitlement in entitlements:
        by_person.setdefault(entitlement.person_id, []).append(entitlement)
    reviews: dict[int, ReviewItem] = {}
    pending = (
        ReviewItem.objects.filter(
            entitlement__person__in=list(by_person), status=ReviewItem.Status.PENDING
        )
        .select_related("round", "entitlement")
        .order_by("due_date", "pk")
    )
    for item in pending:  # the one due soonest, per person
        reviews.setdefault(item.entitlement.person_id, item)
    return [
        PersonPayments(
            person,
            [(e, e.recent_lines) for e in by_person[person.pk]],  # type: ignore[attr-defined]
            reviews.get(person.pk),
        )
        for person in people
        if person.pk in by_person
    ]


def payments_version(application_id: int) -> tuple:
    """A token that changes whenever what ``payments_of`` shows of the applicant of this
    application changes: the status look-up keeps its page until then. Rows only move forward
    (a line pending, then sent, then perhaps returned, or removed before release; an
    entitlement ends once; a review is decided once), so counts, newest ids and summed states
    are enough."""
    # Plain SQL, one statement: this runs on every view of the look-up, cached or not.
    with connection.cursor() as cursor:
        cursor.execute(PAYMENTS_VERSION, [application_id] * 3)
        return tuple(cursor.fetchone() or ())


PAYMENTS_VERSION = """
    SELECT l.n, l.top, l.states, e.n, e.top, e.ended, r.n, r.top, r.pending
    FROM (SELECT COUNT(*) AS n, MAX(l.id) AS top,
                 SUM(CASE l.status WHEN 'sent' THEN 1 WHEN 'returned' THEN 3 ELSE 0 END) AS states
          FROM benefits_paymentline l
          WHERE l.person_id = (SELECT applicant_id FROM cases_application WHERE id = %s)) l,
         (SELECT COUNT(*) AS n, MAX(id) AS top, COUNT("end") AS ended
          FROM benefits_entitlement
          WHERE person_id = (SELECT applicant_id FROM cases_application WHERE id = %s)) e,
         (SELECT COUNT(*) AS n, MAX(i.id) AS top,
                 SUM(CASE i.status WHEN 'pending' THEN 1 ELSE 0 END) AS pending
          FROM benefits_reviewitem i JOIN benefits_entitlement t ON t.id = i.entitlement_id
          WHERE t.person_id = (SELECT applicant_id FROM cases_application WHERE id = %s)) r
"""


def runs_after(user: Viewer | None, after: int, limit: int) -> list[PaymentRun]:
    """A page of the user's released rolls by id, for department systems reading them in turn
    (a roll not yet approved and released is not theirs to act on)."""
    released = runs_visible_to(user).filter(status=PaymentRun.Status.RELEASED)
    return list(released.filter(pk__gt=after).order_by("pk")[:limit])


def run_lines_after(run: PaymentRun, after: int, limit: int) -> list[PaymentLine]:
    return list(run.lines.select_related("person").filter(pk__gt=after).order_by("pk")[:limit])


def payments_by_county_month(
    counties: list[str], first: date, last: date
) -> list[tuple[str, date, str, int, Decimal, int]]:
    """Released rolls of these counties for the months from ``first`` to ``last``: county,
    month, kind, lines, total and lines returned, for the reports."""
    returned = Count("lines", filter=Q(lines__status=PaymentLine.Status.RETURNED))
    runs = (
        PaymentRun.objects.filter(
            county_id__in=counties,
            status=PaymentRun.Status.RELEASED,
            month__gte=first.replace(day=1),
            month__lte=last,
        )
        .annotate(returned=returned)
        .order_by("county_id", "month", "kind")
    )
    return [(r.county_id, r.month, r.kind, r.line_count, r.total, r.returned) for r in runs]


def review_items_for(user: Viewer | None, show_all: bool = False) -> QuerySet[ReviewItem]:
    """The 定期复核 worklist: the township's people for its 民政 officer; for the county 民政局
    its townships' and those queued for the county itself (户籍 no longer in it); pending first,
    earliest deadline first."""
    scope = getattr(user, "scope", None)
    if scope is None or getattr(user, "department", None) != "civil":
        return ReviewItem.objects.none()
    items = ReviewItem.objects.filter(
        region__lft__gte=scope.lft, region__lft__lte=scope.rgt
    ).select_related(
        "entitlement__person__hukou_region__parent", "region", "round__county", "decided_by"
    )
    if not show_all:
        items = items.filter(status=ReviewItem.Status.PENDING)
    return items.order_by("status", "due_date", "region__code", "pk")


def review_item_for(user: Viewer | None, pk: int) -> ReviewItem | None:
    return review_items_for(user, show_all=True).filter(pk=pk).first()


def payee_account_of(person: Person) -> PayeeAccount | None:
    """The person's account, for a page that already checked it may show the person."""
    return PayeeAccount.objects.filter(person=person).first()
