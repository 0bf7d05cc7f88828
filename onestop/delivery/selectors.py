"""What staff may see of the handovers of results."""

from django.db.models import QuerySet

from onestop.accounts.actors import Viewer
from onestop.cases.models import Application
from onestop.cases.selectors import applications_visible_to
from onestop.regions.models import OrgUnit

from .models import Handover


def handovers_visible_to(user: Viewer) -> QuerySet[Handover]:
    return Handover.objects.filter(application__in=applications_visible_to(user))


def handovers_of(application: Application) -> QuerySet[Handover]:
    """The handovers of an application the caller already may see, with their matters."""
    return application.handovers.prefetch_related("matters")


def handovers_to_deliver(user: Viewer) -> QuerySet[Handover]:
    """Results ready at the window or come back from the post, oldest first."""
    return (
        handovers_visible_to(user)
        .filter(status__in=[Handover.Status.READY, Handover.Status.RETURNED])
        .select_related("application__applicant")
        .order_by("created_at", "pk")
    )


def handover_at_window(unit: OrgUnit, pk: int) -> Handover | None:
    """A handover the unit delivers: it must be the application's county 残联 (the window)."""
    if unit.department != "cdpf":
        return None
    return Handover.objects.filter(pk=pk, application__county__units=unit).first()
