"""Payment rolls: prepare one, approve it (another officer), release it (the paying agent's
file), download the file, import the agent's results and work through the returns."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from onestop.accounts.actors import staff_of
from onestop.benefits import prepare, runs, services
from onestop.benefits.models import Kind, PaymentRun
from onestop.benefits.months import parse_month
from onestop.benefits.selectors import (
    kinds_for,
    pays,
    recoveries_for,
    recovery_for,
    returned_lines_for,
    run_lines,
    run_visible_to,
    runs_listed,
)
from onestop.core.actions import run_action
from onestop.core.forms import Form
from onestop.core.replica import replica_reads
from onestop.core.spreadsheets import xlsx_response
from onestop.regions.selectors import regions_under

CONFIRM = gettext_lazy("我已核对名册的人数和金额")


class PrepareForm(Form):
    county = forms.ChoiceField(label=gettext_lazy("旗县（市、区）"))
    kind = forms.ChoiceField(label=gettext_lazy("待遇"))
    # Plain text, not <input type=month>: typed the same way with any keyboard or browser.
    month = forms.CharField(
        label=gettext_lazy("发放月份"),
        help_text=gettext_lazy("按“年-月”填写，例如 2026-04。"),
        max_length=7,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = {c.code: c for c in regions_under(user.scope, "county")}
        county, kind = self.fields["county"], self.fields["kind"]
        assert isinstance(county, forms.ChoiceField) and isinstance(kind, forms.ChoiceField)
        county.choices = [(c.code, c.name) for c in self.counties.values()]
        kind.choices = [(k, gettext(Kind(k).label)) for k in kinds_for(user)]

    def clean_county(self) -> Any:
        return self.counties[self.cleaned_data["county"]]

    def clean_month(self) -> Any:
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class ReleaseForm(Form):
    agent = forms.ChoiceField(
        label=gettext_lazy("代发机构"),
        choices=[(k, v["name"]) for k, v in settings.BENEFITS_AGENTS.items()],
        initial=settings.BENEFITS_DEFAULT_AGENT,
    )
    fmt = forms.ChoiceField(
        label=gettext_lazy("文件格式"), choices=[("csv", "CSV"), ("xlsx", "Excel")]
    )
    confirm = forms.BooleanField(label=CONFIRM)


class ApproveForm(Form):
    confirm = forms.BooleanField(label=CONFIRM)


class RecoveryForm(Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("处理结果"),
        choices=[("recovered", gettext_lazy("已追回")), ("waived", gettext_lazy("经批准核销"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("追回方式或核销依据（文号）"), max_length=200)


class ReturnsForm(Form):
    file = forms.FileField(
        label=format_lazy(
            gettext_lazy("代发结果文件（CSV：{columns}）"),
            columns="、".join((services.LINE, services.RESULT, services.REASON)),
        )
    )


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    user = staff_of(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                r.county.name,
                r.period,
                r.get_kind_display(),
                r.line_count,
                r.total,
                r.get_status_display(),
            ]
            for r in runs_listed(user, kind)
        )
        columns = ["旗县（市、区）", "所属期", "待遇", "笔数", "合计（元）", "状态"]
        with replica_reads():
            return xlsx_response([("发放名册", columns, rows)], "发放名册.xlsx")
    page = Paginator(runs_listed(user, kind), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/payments.html",
        {
            "page": page,
            "kinds": [(k, Kind(k).label) for k in kinds_for(user)],
            "kind": kind,
            "querystring": f"kind={kind}" if kind else "",
            "prepare_form": PrepareForm(user=user),
            "can_prepare": user.role in settings.BENEFITS_PREPARE_ROLES,
        },
    )


@login_required
@require_POST
def run_new(request: HttpRequest) -> HttpResponse:
    user = staff_of(request)
    form = PrepareForm(request.POST, user=user)
    if not form.is_valid():
        return render(
            request,
            "workbench/payments.html",
            {
                "page": Paginator(runs_listed(user, ""), 20).get_page(1),
                "kinds": [(k, Kind(k).label) for k in kinds_for(user)],
                "prepare_form": form,
                "can_prepare": True,
            },
            status=400,
        )
    made: list[PaymentRun] = []
    ok = run_action(
        request,
        lambda: made.append(
            prepare.run_prepare(
                actor=user,
                county=form.cleaned_data["county"],
                kind=form.cleaned_data["kind"],
                month=form.cleaned_data["month"],
            ).run
        ),
        gettext("发放名册已生成，请另一名工作人员审核。"),
    )
    return redirect("workbench:payment_run", made[0].pk) if ok else redirect("workbench:payments")


def _run_for(request: HttpRequest, pk: int) -> PaymentRun:
    run = run_visible_to(staff_of(request), pk)
    if run is None:
        raise Http404(gettext("未找到该发放名册。"))
    return run


@login_required
def run_page(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    user = staff_of(request)
    page = Paginator(run_lines(run), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/payment_run.html",
        {
            "run": run,
            "page": page,
            "approve_form": ApproveForm(),
            "release_form": ReleaseForm(),
            "may_approve": run.status == PaymentRun.Status.PREPARED
            and run.prepared_by_id != user.pk
            and user.role in settings.BENEFITS_APPROVE_ROLES,
            "may_release": run.status == PaymentRun.Status.APPROVED
            and user.role in settings.BENEFITS_APPROVE_ROLES,
        },
    )


@login_required
@require_POST
def run_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    run, user = _run_for(request, pk), staff_of(request)
    if action not in ("approve", "release"):
        raise Http404
    form = (ApproveForm if action == "approve" else ReleaseForm)(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请先勾选“{box}”。").format(box=CONFIRM))
    elif action == "approve":
        run_action(request, lambda: runs.run_approve(actor=user, run=run), gettext("名册已审核。"))
    else:
        run_action(
            request,
            lambda: runs.run_release(
                actor=user, run=run, agent=form.cleaned_data["agent"], fmt=form.cleaned_data["fmt"]
            ),
            gettext("已发放：代发文件已生成，可下载后报送代发机构。"),
        )
    return redirect("workbench:payment_run", pk)


@login_required
def run_file(request: HttpRequest, pk: int) -> FileResponse:
    run = _run_for(request, pk)
    if not run.file:
        raise Http404(gettext("该名册尚未发放，没有代发文件。"))
    name = (run.file.name or "").rsplit("/", 1)[-1]
    opened = runs.run_file_open(actor=staff_of(request), run=run)
    response = FileResponse(opened, as_attachment=True, filename=name)
    response["Content-Length"] = str(opened.size)  # streamed: FileResponse cannot tell
    return response


@login_required
def returns_page(request: HttpRequest) -> HttpResponse:
    user = staff_of(request)
    if not pays(user):
        raise PermissionDenied(gettext("只有办理待遇发放的工作人员可以处理退回。"))
    form = ReturnsForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.returns_import(actor=user, data=form.cleaned_data["file"].read())
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        rows = (
            [
                x.pk,
                x.person.name,
                x.run.county.name,
                f"{x.month:%Y-%m}",
                x.get_kind_display(),
                x.amount,
                x.return_reason,
                f"{x.returned_at:%Y-%m-%d}" if x.returned_at else "",
            ]
            for x in returned_lines_for(user)
        )
        columns = ["流水号", "姓名", "旗县（市、区）", "所属月份", "待遇", "金额（元）", "退回原因"]
        with replica_reads():
            return xlsx_response([("退回待处理", [*columns, "退回日期"], rows)], "退回待处理.xlsx")
    page = Paginator(returned_lines_for(user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/payment_returns.html",
        {
            "form": form,
            "report": report,
            "page": page,
            "recoveries": [
                (r, RecoveryForm(prefix=f"recovery-{r.pk}")) for r in recoveries_for(user)[:50]
            ],
        },
        status=400 if report and report.errors else 200,
    )


@login_required
@require_POST
def recovery_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_of(request)
    recovery = recovery_for(user, pk)
    if recovery is None:
        raise Http404(gettext("未找到该待追回款。"))
    form = RecoveryForm(request.POST, prefix=f"recovery-{pk}")
    if not form.is_valid():
        messages.error(request, gettext("请选择处理结果，并写明追回方式或核销依据。"))
    else:
        run_action(
            request,
            lambda: services.recovery_resolve(
                actor=user,
                recovery=recovery,
                recovered=form.cleaned_data["outcome"] == "recovered",
                note=form.cleaned_data["note"],
            ),
            gettext("已记录待追回款的处理结果。"),
        )
    return redirect("workbench:payment_returns")
