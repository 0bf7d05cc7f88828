"""Supervisors (政务服务监督员) and the window's own lists."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from onestop.accounts.roles import Role
from onestop.cases.models import Application
from onestop.cases.selectors import (
    applications_supervised,
    late_by_unit,
    late_steps,
    window_pending,
    window_supplements,
)
from onestop.core import clock
from onestop.core.forms import translated
from onestop.delivery.selectors import handovers_to_deliver
from onestop.notices.services import notice_handled, window_notices
from onestop.regions.models import Level
from onestop.regions.selectors import regions_under

PAGE_SIZE = 20


class ApplicationFilter(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", gettext_lazy("全部")), *translated(Application.Status.choices)],
    )
    county = forms.ChoiceField(label=gettext_lazy("旗县（市、区）"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("只看已超期"), required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        counties = regions_under(scope, Level.COUNTY)
        self.fields["county"].choices = [("", gettext("全部"))] + [
            (r.code, r.name) for r in counties
        ]


@login_required
def supervise(request):
    user = request.user
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(gettext("只有政务服务监督员可以查看监督页面。"))
    filters = ApplicationFilter(request.GET or None, scope=user.scope)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    applications = applications_supervised(
        user,
        status=chosen.get("status", ""),
        county=chosen.get("county", ""),
        overdue=chosen.get("overdue", False),
    )
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "workbench/supervise.html",
        {
            "page": page,
            "filters": filters,
            "by_unit": late_by_unit(user),
            "late": late_steps(user),
            "today": clock.today(),
            "querystring": params.urlencode(),
        },
    )


@login_required
def window(request):
    """The window's lists: online applications to accept, supplements due, results to deliver."""
    user = request.user
    if user.role != Role.WINDOW_CLERK:
        raise PermissionDenied(gettext("只有窗口受理员可以查看窗口工作台。"))
    return render(
        request,
        "workbench/window.html",
        {
            "pending": window_pending(user)[:100],
            "supplements": window_supplements(user)[:100],
            "to_deliver": handovers_to_deliver(user)[:100],
            "notices": window_notices(user)[:100],
        },
    )


@login_required
@require_POST
def notice_done(request, pk):
    notice = get_object_or_404(window_notices(request.user), pk=pk)
    reached = request.POST.get("reached") == "1"
    try:
        notice_handled(
            actor=request.user, notice=notice, reached=reached, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = (
            gettext("{name}：已记录送达。")
            if reached
            else gettext("{name}：已记录未接通，稍后再打。")
        )
        messages.success(request, done.format(name=notice.person.name))
    return redirect("workbench:window")


@login_required
def notice_print(request, pk):
    """The large-print letter, laid out for an A4 sheet."""
    notice = get_object_or_404(window_notices(request.user), pk=pk)
    return render(request, "workbench/notice_print.html", {"notice": notice})
