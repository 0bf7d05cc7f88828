"""Supervisors (政务服务监督员) and the window's own lists."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onestop.accounts.roles import Role
from onestop.cases.models import Application, Matter, Step
from onestop.cases.selectors import applications_visible_to
from onestop.core import clock
from onestop.delivery.models import Handover
from onestop.notices.services import notice_handled, window_notices
from onestop.policy import calendar

PAGE_SIZE = 20


class ApplicationFilter(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *Application.Status.choices]
    )
    county = forms.ChoiceField(label="旗县（市、区）", required=False)
    overdue = forms.BooleanField(label="只看已超期", required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        counties = scope.subtree().filter(level="county").order_by("code") if scope else []
        self.fields["county"].choices = [("", "全部")] + [(r.code, r.name) for r in counties]


@login_required
def supervise(request):
    user = request.user
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied("只有政务服务监督员可以查看监督页面。")
    today = clock.today()
    soon = calendar.add_working_days(today, 1)
    scope = user.scope
    applications = (
        applications_visible_to(user)
        .select_related("applicant", "county")
        .order_by("due_date", "pk")
    )
    filters = ApplicationFilter(request.GET or None, scope=scope)
    if filters.is_valid():
        f = filters.cleaned_data
        if f["status"]:
            applications = applications.filter(status=f["status"])
        if f["county"]:
            applications = applications.filter(county_id=f["county"])
        if f["overdue"]:
            applications = applications.filter(
                status=Application.Status.IN_PROGRESS, due_date__lt=today
            )
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    open_steps = Step.objects.filter(
        status=Step.Status.ACTIVE,
        matter__status=Matter.Status.IN_PROGRESS,
        unit__region__lft__gte=scope.lft,
        unit__region__lft__lte=scope.rgt,
    )
    by_unit = (
        open_steps.values("unit__name")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due_soon=Count("pk", filter=Q(due_date__gte=today, due_date__lte=soon)),
        )
        .filter(Q(overdue__gt=0) | Q(due_soon__gt=0))
        .order_by("-overdue", "-due_soon", "unit__name")
    )
    late = (
        open_steps.filter(due_date__lte=soon)
        .select_related("unit", "matter__application__applicant")
        .order_by("due_date")[:50]
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "workbench/supervise.html",
        {
            "page": page,
            "filters": filters,
            "by_unit": by_unit,
            "late": late,
            "today": today,
            "querystring": params.urlencode(),
        },
    )


@login_required
def window(request):
    """The window's lists: online applications to accept, supplements due, results to deliver."""
    user = request.user
    if user.role != Role.WINDOW_CLERK:
        raise PermissionDenied("只有窗口受理员可以查看窗口工作台。")
    visible = applications_visible_to(user).select_related("applicant")
    supplements = (
        Matter.objects.filter(application__in=visible, status=Matter.Status.SUPPLEMENT)
        .select_related("application__applicant")
        .order_by("paused_on")[:100]
    )
    to_deliver = (
        Handover.objects.filter(
            application__in=visible,
            status__in=[Handover.Status.READY, Handover.Status.RETURNED],
        )
        .select_related("application__applicant")
        .order_by("created_at", "pk")[:100]
    )
    return render(
        request,
        "workbench/window.html",
        {
            "pending": visible.filter(status=Application.Status.SUBMITTED).order_by("submitted_at")[
                :100
            ],
            "supplements": supplements,
            "to_deliver": to_deliver,
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
        done = "已记录送达" if reached else "已记录未接通，稍后再打"
        messages.success(request, f"{notice.person.name}：{done}。")
    return redirect("workbench:window")


@login_required
def notice_print(request, pk):
    """The large-print letter, laid out for an A4 sheet."""
    notice = get_object_or_404(window_notices(request.user), pk=pk)
    return render(request, "workbench/notice_print.html", {"notice": notice})
