"""What staff may see of applications, and the officer's queue."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext, gettext_noop

from onestop.accounts.actors import Viewer
from onestop.accounts.models import StaffUser
from onestop.accounts.roles import OFFICER_ROLES, Role
from onestop.core import clock, pii
from onestop.people.identifiers import IdentifierError, parse_id_number
from onestop.people.models import ID_CONTEXT, Person
from onestop.policy import calendar
from onestop.policy.materials import codes_needed_by
from onestop.regions.models import OrgUnit

from .chains import Outcome
from .models import Alert, Application, Material, Matter, Step
from .tracking import normalise

QUEUE_TABS = {
    "mine": gettext_noop("我的待办"),
    "unclaimed": gettext_noop("本单位未认领"),
    "due_soon": gettext_noop("临期"),
    "overdue": gettext_noop("超期"),
    "done": gettext_noop("已办"),
    "pressed": gettext_noop("被督办"),
}


def applications_visible_to(user: Viewer) -> QuerySet[Application]:
    """Window and supervisors see their region's applications; department officers see the
    ones with a step at their unit."""
    if not isinstance(user, StaffUser) or user.scope is None or user.role == Role.DEPARTMENT_HEAD:
        return Application.objects.none()  # a 部门负责人 reads figures, not case files
    scope = user.scope
    in_region = Application.objects.filter(
        township__lft__gte=scope.lft, township__lft__lte=scope.rgt
    )
    if user.role in ("window_clerk", "supervisor", "admin"):
        return in_region
    return in_region.filter(matters__steps__unit_id=user.org_unit_id).distinct()


OPEN_APPLICATION = (
    Application.Status.PENDING_CONFIRMATION,
    Application.Status.SUBMITTED,
    Application.Status.IN_PROGRESS,
)


def open_matters_for(person: Person, kinds: Iterable[str] | None = None) -> QuerySet[Matter]:
    """The person's matters still being handled (of these kinds, if given), oldest first."""
    matters = Matter.objects.filter(
        application__applicant=person,
        application__status__in=OPEN_APPLICATION,
        status__in=Matter.OPEN,
    )
    if kinds is not None:
        matters = matters.filter(kind__in=kinds)
    return matters.select_related("application").order_by("application_id", "pk")


def applications_search(user: StaffUser, text: str) -> tuple[QuerySet[Application], str]:
    """Exact search by tracking number or 身份证号 (through the keyed index); the second item
    says why the text cannot be searched for, if it cannot."""
    visible = applications_visible_to(user).select_related("applicant")
    number = normalise(text)
    if number:
        return visible.filter(tracking_no=number), ""
    try:
        id_number = parse_id_number(text).number
    except IdentifierError as exc:
        return visible.none(), gettext("请输入完整的受理编号或 18 位身份证号（{problem}）").format(
            problem=exc
        )
    index = pii.blind_index(id_number, context=ID_CONTEXT)
    return visible.filter(applicant__id_number_index=index), ""


def applications_detailed(user: Viewer) -> QuerySet[Application]:
    """The visible applications with what their pages and receipts show beside them."""
    return applications_visible_to(user).select_related(
        "applicant__hukou_region", "county", "township", "representative"
    )


def application_submitted_with(user: Viewer, idempotency_key: str | None) -> Application | None:
    """The visible application an intake's form token already made, if any."""
    return applications_visible_to(user).filter(idempotency_key=idempotency_key).first()


def matters_on_receipt(application: Application) -> QuerySet[Matter]:
    """Every matter applied for: the receipt is the applicant's, so it lists them all."""
    return application.matters.order_by("pk")


def matters_visible_to(user: StaffUser, application: Application) -> QuerySet[Matter]:
    matters = application.matters.order_by("pk")
    if user.role in OFFICER_ROLES:
        # 按需共享: an officer sees the matters their unit works on, not the others.
        matters = matters.filter(steps__unit_id=user.org_unit_id).distinct()
    return matters


def materials_visible_to(
    user: StaffUser, application: Application, matter: Matter | None = None
) -> QuerySet[Material]:
    """按需共享 of materials: each belongs to the matters that need it (the one list of materials
    says which; a supplement or a department's document to the matter of its step), and whoever
    sees a matter sees its materials: the window, supervisors and admins all of them, an officer
    only those of the matters their unit works on. ``matter`` narrows it to that one matter's."""
    materials = application.materials.select_related("supplied_for").order_by("pk")
    matters = matters_visible_to(user, application)
    if matter is not None:
        matters = matters.filter(pk=matter.pk)
    elif user.role not in OFFICER_ROLES:
        return materials
    codes = codes_needed_by(matters.values_list("kind", flat=True))
    return materials.filter(
        Q(supplied_for__isnull=True, code__in=codes) | Q(supplied_for__matter__in=matters)
    )


def matter_visible_to(user: StaffUser, pk: int | str) -> Matter | None:
    """One matter of a visible application that the user sees (for an officer, one their unit
    works on), with its application, applicant and township."""
    matter = (
        Matter.objects.filter(pk=pk, application__in=applications_visible_to(user))
        .select_related("application__applicant__hukou_region", "application__township")
        .first()
    )
    if matter is None or not matters_visible_to(user, matter.application).filter(pk=pk).exists():
        return None
    return matter


def matter_steps(matter: Matter) -> QuerySet[Step]:
    """The steps of a matter the caller sees, in the order they were opened."""
    return matter.steps.select_related("unit", "decided_by", "assignee").order_by("pk")


def matter_active_step(matter: Matter) -> Step | None:
    return matter.steps.filter(status=Step.Status.ACTIVE).select_related("unit__region").first()


def matter_last_return(matter: Matter) -> Step | None:
    """The step that last sent the matter back for a supplement."""
    return matter.steps.filter(outcome=Outcome.RETURN).order_by("-decided_at").first()


def step_alerts(step: Step) -> QuerySet[Alert]:
    return step.alerts.order_by("-created_at")


def transfer_targets(step: Step) -> QuerySet[OrgUnit]:
    """Where a step may be transferred: the same department's other units at the same level
    under the same parent region."""
    unit = step.unit
    return (
        OrgUnit.objects.filter(
            department=unit.department,
            region__level=unit.region.level,
            region__parent_id=unit.region.parent_id,
        )
        .exclude(pk=step.unit_id)
        .order_by("region_id")
    )


def material_visible_to(user: StaffUser, material: Material) -> bool:
    return materials_visible_to(user, material.application).filter(pk=material.pk).exists()


def due_soon(today: date) -> Q:
    """临期 steps: not yet overdue, one working day or less left."""
    return Q(due_date__gte=today, due_date__lte=calendar.due_soon_until(today))


def open_steps_for(user: StaffUser) -> QuerySet[Step]:
    """Steps this officer's unit and role must act on now."""
    return Step.objects.filter(
        unit_id=user.org_unit_id,
        role=user.role,
        status=Step.Status.ACTIVE,
        matter__status=Matter.Status.IN_PROGRESS,
    )


def queue(user: StaffUser, tab: str = "mine") -> QuerySet[Step]:
    """One tab of the officer's queue, earliest due first (served by the (unit, status, due)
    index; the caller paginates)."""
    today = clock.today()
    base = open_steps_for(user)
    if tab == "mine":
        qs = base.filter(Q(assignee=user) | Q(assignee__isnull=True))
    elif tab == "unclaimed":
        qs = base.filter(assignee__isnull=True)
    elif tab == "due_soon":
        qs = base.filter(due_soon(today))
    elif tab == "overdue":
        qs = base.filter(due_date__lt=today)
    elif tab == "done":
        return (
            Step.objects.filter(decided_by=user)
            .select_related("matter__application__applicant", "unit")
            .order_by("-decided_at")
        )
    elif tab == "pressed":
        pressed = Alert.objects.filter(unit_id=user.org_unit_id, kind=Alert.Kind.PRESSED).values(
            "step_id"
        )
        qs = base.filter(pk__in=pressed)
    else:
        raise ValueError(tab)
    return qs.select_related("matter__application__applicant", "unit", "assignee").order_by(
        "due_date", "pk"
    )


@dataclass(frozen=True)
class QueueFilters:
    matter: str = ""
    township: str = ""
    due_from: date | None = None
    due_to: date | None = None
    sort: str = "due"


def queue_filtered(user: StaffUser, tab: str, filters: QueueFilters) -> QuerySet[Step]:
    """One tab of the queue narrowed by the officer's filters."""
    steps = queue(user, tab)
    if filters.matter:
        steps = steps.filter(matter__kind=filters.matter)
    if filters.township:
        steps = steps.filter(matter__application__township_id=filters.township)
    if filters.due_from:
        steps = steps.filter(due_date__gte=filters.due_from)
    if filters.due_to:
        steps = steps.filter(due_date__lte=filters.due_to)
    if filters.sort == "-due" and tab != "done":
        steps = steps.order_by("-due_date", "-pk")
    return steps


def queue_counts(user: StaffUser) -> dict[str, int]:
    """How many steps each tab of the officer's queue holds (the done tab is not counted)."""
    today = clock.today()
    counts = open_steps_for(user).aggregate(
        mine=Count("pk", filter=Q(assignee=user) | Q(assignee__isnull=True)),
        unclaimed=Count("pk", filter=Q(assignee__isnull=True)),
        due_soon=Count("pk", filter=due_soon(today)),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
    )
    counts["pressed"] = queue(user, "pressed").count()
    return counts


# --- supervision and the window's lists ----------------------------------------------------------
def applications_supervised(
    user: Viewer, *, status: str = "", county: str = "", overdue: bool = False
) -> QuerySet[Application]:
    """The supervisor's list of applications in their region, earliest due first."""
    applications = (
        applications_visible_to(user)
        .select_related("applicant", "county")
        .order_by("due_date", "pk")
    )
    if status:
        applications = applications.filter(status=status)
    if county:
        applications = applications.filter(county_id=county)
    if overdue:
        applications = applications.filter(
            status=Application.Status.IN_PROGRESS, due_date__lt=clock.today()
        )
    return applications


def _open_steps_in_region(user: StaffUser) -> QuerySet[Step]:
    scope = user.scope
    if scope is None:
        return Step.objects.none()
    return Step.objects.filter(
        status=Step.Status.ACTIVE,
        matter__status=Matter.Status.IN_PROGRESS,
        unit__region__lft__gte=scope.lft,
        unit__region__lft__lte=scope.rgt,
    )


def late_by_unit(user: StaffUser) -> QuerySet:
    """Per unit in the supervisor's region: open, overdue and due-soon steps, worst first."""
    today = clock.today()
    return (
        _open_steps_in_region(user)
        .values("unit__name")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due_soon=Count("pk", filter=due_soon(today)),
        )
        .filter(Q(overdue__gt=0) | Q(due_soon__gt=0))
        .order_by("-overdue", "-due_soon", "unit__name")
    )


def late_steps(user: StaffUser, limit: int = 50) -> QuerySet[Step]:
    """The overdue and due-soon steps in the supervisor's region, earliest due first."""
    return (
        _open_steps_in_region(user)
        .filter(due_date__lte=calendar.due_soon_until(clock.today()))
        .select_related("unit", "matter__application__applicant")
        .order_by("due_date")[:limit]
    )


def window_pending(user: StaffUser) -> QuerySet[Application]:
    """Online applications waiting for the window to accept them, oldest first."""
    return (
        applications_visible_to(user)
        .filter(status=Application.Status.SUBMITTED)
        .select_related("applicant")
        .order_by("submitted_at")
    )


def window_supplements(user: StaffUser) -> QuerySet[Matter]:
    """Matters waiting for a supplement, longest waiting first."""
    return (
        Matter.objects.filter(
            application__in=applications_visible_to(user), status=Matter.Status.SUPPLEMENT
        )
        .select_related("application__applicant")
        .order_by("paused_on")
    )


# --- the department API ---------------------------------------------------------------------------
def open_steps_after(user: StaffUser, cursor: tuple[date, int] | None) -> QuerySet[Step]:
    """The unit's open steps in (due date, step) order, after the cursor's place if given."""
    steps = open_steps_for(user)
    if cursor:
        due, pk = cursor
        steps = steps.filter(due_date__gt=due) | steps.filter(due_date=due, pk__gt=pk)
    return steps.order_by("due_date", "pk")


def matters_at_unit(unit_id: int | None) -> QuerySet[Matter]:
    """Matters with any step at the unit: the only ones its API key may read."""
    return (
        Matter.objects.filter(steps__unit_id=unit_id)
        .distinct()
        .select_related("application__applicant__hukou_region", "application__representative")
        .prefetch_related("steps__unit", "steps__assignee")
    )
