"""What staff may see of applications, and the officer's queue."""

from django.db.models import Q, QuerySet

from onestop.accounts.roles import OFFICER_ROLES, Role
from onestop.core import clock
from onestop.policy import calendar
from onestop.policy.materials import codes_needed_by

from .models import Alert, Application, Material, Matter, Step

QUEUE_TABS = {
    "mine": "我的待办",
    "unclaimed": "本单位未认领",
    "due_soon": "临期",
    "overdue": "超期",
    "done": "已办",
    "pressed": "被督办",
}


def applications_visible_to(user) -> QuerySet[Application]:
    """Window and supervisors see their region's applications; department officers see the
    ones with a step at their unit."""
    scope = getattr(user, "scope", None)
    if scope is None or user.role == Role.DEPARTMENT_HEAD:  # reads figures, not case files
        return Application.objects.none()
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


def open_matters_for(person, kinds=None) -> QuerySet[Matter]:
    """The person's matters still being handled (of these kinds, if given), oldest first."""
    matters = Matter.objects.filter(
        application__applicant=person,
        application__status__in=OPEN_APPLICATION,
        status__in=Matter.OPEN,
    )
    if kinds is not None:
        matters = matters.filter(kind__in=kinds)
    return matters.select_related("application").order_by("application_id", "pk")


def matters_visible_to(user, application: Application) -> QuerySet[Matter]:
    matters = application.matters.order_by("pk")
    if user.role in OFFICER_ROLES:
        # 按需共享: an officer sees the matters their unit works on, not the others.
        matters = matters.filter(steps__unit_id=user.org_unit_id).distinct()
    return matters


def materials_visible_to(user, application: Application, matter=None) -> QuerySet[Material]:
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


def material_visible_to(user, material: Material) -> bool:
    return materials_visible_to(user, material.application).filter(pk=material.pk).exists()


def open_steps_for(user) -> QuerySet[Step]:
    """Steps this officer's unit and role must act on now."""
    return Step.objects.filter(
        unit_id=user.org_unit_id,
        role=user.role,
        status=Step.Status.ACTIVE,
        matter__status=Matter.Status.IN_PROGRESS,
    )


def queue(user, tab: str = "mine") -> QuerySet[Step]:
    """One tab of the officer's queue, earliest due first (served by the (unit, status, due)
    index; the caller paginates)."""
    today = clock.today()
    base = open_steps_for(user)
    if tab == "mine":
        qs = base.filter(Q(assignee=user) | Q(assignee__isnull=True))
    elif tab == "unclaimed":
        qs = base.filter(assignee__isnull=True)
    elif tab == "due_soon":
        qs = base.filter(due_date__gte=today, due_date__lte=calendar.add_working_days(today, 1))
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
