"""Results handed over at the window: picked up with the code, posted, the post's tracking."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onestop.accounts.roles import Role
from onestop.core.actions import run_action
from onestop.delivery import services as delivery
from onestop.delivery.models import Handover
from onestop.delivery.selectors import handovers_visible_to


def _handover_for(user, pk) -> Handover:
    return get_object_or_404(handovers_visible_to(user), pk=pk)


@login_required
@require_POST
def handover_pickup(request, pk: int):
    handover = _handover_for(request.user, pk)
    code = request.POST.get("code", "")
    run_action(
        request,
        lambda: delivery.handover_pickup(actor=request.user, handover=handover, code=code),
        gettext("已交付，本次到窗口计入跑动次数。"),
    )
    return redirect("workbench:application", handover.application_id)


@login_required
@require_POST
def handover_post(request, pk: int):
    handover = _handover_for(request.user, pk)
    tracking_no = request.POST.get("tracking_no", "")
    run_action(
        request,
        lambda: delivery.handover_post(
            actor=request.user, handover=handover, tracking_no=tracking_no
        ),
        gettext("已登记寄出，申请人会收到邮件号。"),
    )
    return redirect("workbench:application", handover.application_id)


@login_required
@require_POST
def handover_track(request, pk: int):
    handover = _handover_for(request.user, pk)
    if request.user.role != Role.WINDOW_CLERK:
        raise PermissionDenied(gettext("由窗口登记邮件状态。"))
    status = request.POST.get("status", "")
    run_action(
        request,
        lambda: delivery.handover_track(actor=request.user, handover=handover, status=status),
        gettext("已登记邮件状态。"),
    )
    return redirect("workbench:application", handover.application_id)
