"""Queues, the application and matter pages, and the actions on them."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onestop.accounts.roles import OFFICER_ROLES, Role
from onestop.cases.acceptance import application_accept, application_refuse
from onestop.cases.chains import Outcome
from onestop.cases.clocks import matter_press
from onestop.cases.errors import CaseError, Conflict
from onestop.cases.materials import MaterialIn, material_open
from onestop.cases.models import Application, Material, MaterialSource, Matter, Step
from onestop.cases.reference import chain_definition
from onestop.cases.selectors import (
    QUEUE_TABS,
    QueueFilters,
    applications_search,
    applications_visible_to,
    materials_visible_to,
    matters_visible_to,
    queue_counts,
    queue_filtered,
)
from onestop.cases.steps import Decision, decision_check, matter_supply, step_claim, step_decide
from onestop.cases.timeline import timeline
from onestop.cases.workflow import can_decide, can_supply
from onestop.core import clock
from onestop.core.actions import run_action
from onestop.delivery import services as delivery
from onestop.delivery.models import Handover
from onestop.delivery.selectors import handovers_visible_to
from onestop.documents.selectors import document_kinds_for
from onestop.people.identifiers import CATEGORIES, LEVELS
from onestop.people.services import person_reveal_id
from onestop.policy import calendar
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import OrgUnit

from .forms import PressForm, RefuseForm, SupplyForm
from .intake import form_errors_from

PAGE_SIZE = 20


# --- queue ---------------------------------------------------------------------------------------
class QueueFilter(forms.Form):
    matter = forms.ChoiceField(
        label="事项", required=False, choices=[("", "全部"), *MatterType.choices]
    )
    township = forms.ChoiceField(label="户籍地", required=False)
    due_from = forms.DateField(
        label="期限从", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = forms.DateField(
        label="期限到", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label="排序", required=False, choices=[("due", "期限由近到远"), ("-due", "期限由远到近")]
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        townships = scope.subtree().filter(level="township").order_by("code") if scope else []
        self.fields["township"].choices = [("", "全部")] + [(r.code, r.name) for r in townships]


@login_required
def queue_page(request):
    user = request.user
    if user.role not in OFFICER_ROLES:
        return redirect("workbench:home")
    tab = request.GET.get("tab", "mine")
    if tab not in QUEUE_TABS:
        raise Http404("没有这个标签页。")
    filters = QueueFilter(request.GET or None, scope=user.scope)
    chosen = QueueFilters(**filters.cleaned_data) if filters.is_valid() else QueueFilters()
    steps = queue_filtered(user, tab, chosen)
    page = Paginator(steps, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = queue_counts(user)
    return render(
        request,
        "workbench/queue.html",
        {
            "tab": tab,
            "tabs": [(key, label, counts.get(key)) for key, label in QUEUE_TABS.items()],
            "page": page,
            "filters": filters,
            "today": clock.today(),
            "querystring": _querystring(request, exclude="page"),
        },
    )


@login_required
@require_POST
def search(request):
    """Searches are POSTed so an ID number never lands in a URL or an access log."""
    results, error = applications_search(request.user, request.POST.get("q", "").strip())
    results = list(results.select_related("applicant")[:20])
    if len(results) == 1 and not error:
        return redirect("workbench:application", results[0].pk)
    return render(
        request,
        "workbench/search.html",
        {
            "results": results,
            "error": error or ("没有找到符合的申请。" if not results else ""),
            "query": request.POST.get("q", ""),
        },
    )


def _querystring(request, exclude: str) -> str:
    params = request.GET.copy()
    params.pop(exclude, None)
    return params.urlencode()


# --- application and matter pages ----------------------------------------------------------------
def _application_for(user, pk) -> Application:
    return get_object_or_404(
        applications_visible_to(user).select_related(
            "applicant__hukou_region", "county", "township", "representative"
        ),
        pk=pk,
    )


def _timeline_for(user, application: Application, matters):
    kinds = {m.kind for m in matters} if user.role in OFFICER_ROLES else None
    return timeline(application, kinds)


def _application_page(request, application: Application, revealed_id: str = ""):
    matters = list(matters_visible_to(request.user, application))
    materials = list(materials_visible_to(request.user, application))
    return render(
        request,
        "workbench/application.html",
        {
            "application": application,
            "matters": matters,
            "materials": materials,
            "materials_hidden": application.materials.count() - len(materials),
            "timeline": _timeline_for(request.user, application, matters),
            "today": clock.today(),
            "refuse_form": RefuseForm(),
            "is_clerk": request.user.role == Role.WINDOW_CLERK,
            "revealed_id": revealed_id,
            "handovers": application.handovers.prefetch_related("matters"),
            "document_kinds": document_kinds_for(request.user, application),
            "has_subsidy": any(m.kind in (MatterType.LIVING, MatterType.NURSING) for m in matters),
        },
    )


@login_required
def application_page(request, pk: int):
    return _application_page(request, _application_for(request.user, pk))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="办理结论", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="理由或意见",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="不通过和转办必须填写，会告知申请人。",
    )
    missing_materials = forms.CharField(
        label="需要补正的材料（每行一项）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="退回补正时填写，一次告知全部。",
    )
    transfer_to = forms.ChoiceField(label="转办给", required=False)
    category = forms.TypedChoiceField(
        label="评定的残疾类别",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "请选择"), *sorted(CATEGORIES.items())],
    )
    level = forms.TypedChoiceField(
        label="评定的残疾等级",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "请选择"), *sorted(LEVELS.items())],
    )
    amount = forms.DecimalField(
        label="核定报销金额（元）", required=False, min_value=0, decimal_places=2
    )

    def __init__(self, *args, step: Step, records: str, outcomes, proposed_amount=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposed_amount = proposed_amount
        cast(forms.ChoiceField, self.fields["outcome"]).choices = [
            (o, Outcome.LABELS[o]) for o in outcomes
        ]
        if Outcome.TRANSFER in outcomes:
            others = (
                OrgUnit.objects.filter(
                    department=step.unit.department,
                    region__level=step.unit.region.level,
                    region__parent_id=step.unit.region.parent_id,
                )
                .exclude(pk=step.unit_id)
                .order_by("region_id")
            )
            cast(forms.ChoiceField, self.fields["transfer_to"]).choices = [("", "请选择")] + [
                (str(u.pk), u.name) for u in others
            ]
        else:
            del self.fields["transfer_to"]
        if records != "assessment":
            del self.fields["category"], self.fields["level"]
        if records != "amount":
            del self.fields["amount"]
        elif proposed_amount:
            # Shown filled in, so nobody approves a figure they have not seen.
            self.fields["amount"].initial = proposed_amount
            self.fields["amount"].help_text = (
                f"已按医疗救助规则和申请时填写的票据算好：{proposed_amount} 元；"
                "核对票据原件后可修改。"
            )
        if Outcome.RETURN not in outcomes:
            del self.fields["missing_materials"]

    @property
    def outcome_label(self) -> str:
        return Outcome.LABELS[self.cleaned_data["outcome"]]

    @property
    def amount_to_record(self):
        """The 核定金额 the decision records: the one typed, else the rule's figure."""
        if "amount" not in self.fields:
            return None
        typed = self.cleaned_data.get("amount")
        return typed if typed is not None else self.proposed_amount

    @property
    def transfer_unit(self) -> OrgUnit | None:
        transfer = self.cleaned_data.get("transfer_to")
        return OrgUnit.objects.filter(pk=transfer).first() if transfer else None

    def decision(self) -> Decision:
        d = self.cleaned_data
        return Decision(
            outcome=d["outcome"],
            reason=d.get("reason", ""),
            missing_materials=tuple(
                line for line in d.get("missing_materials", "").splitlines() if line.strip()
            ),
            transfer_to=self.transfer_unit,
            category=d.get("category"),
            level=d.get("level"),
            amount=d.get("amount"),
        )


def _matter_for(user, pk) -> Matter:
    matter = get_object_or_404(
        Matter.objects.select_related(
            "application__applicant__hukou_region", "application__township"
        ),
        pk=pk,
    )
    application = _application_for(user, matter.application_id)  # 404 unless the user may see it
    if not matters_visible_to(user, application).filter(pk=pk).exists():
        raise Http404("未找到该事项。")
    return matter


def _matter_context(request, matter: Matter, **extra):
    user = request.user
    steps = list(matter.steps.select_related("unit", "decided_by", "assignee").order_by("pk"))
    active = next((s for s in steps if s.status == Step.Status.ACTIVE), None)
    definition = chain_definition(matter.chain_id)
    can_act = (
        active is not None
        and can_decide(matter.status)
        and active.unit_id == user.org_unit_id
        and active.role == user.role
    )
    form = extra.pop("form", None)
    if can_act and active is not None and form is None:
        sdef = definition.steps[active.index]
        form = DecisionForm(
            step=active,
            records=sdef.records,
            outcomes=sdef.outcomes,
            proposed_amount=matter.prescreen.get("amount"),
        )
    today = clock.today()
    return {
        "matter": matter,
        "application": matter.application,
        "applicant": matter.application.applicant,
        "steps": steps,
        "active": active,
        "chain": [(i, s, _chain_state(i, active, matter)) for i, s in enumerate(definition.steps)],
        "can_act": can_act,
        "form": form,
        "today": today,
        "days_left": calendar.working_days_between(today, active.due_date) if active else None,
        "materials": materials_visible_to(user, matter.application, matter),
        "timeline": _timeline_for(user, matter.application, [matter]),
        "press_form": PressForm() if user.role == Role.SUPERVISOR else None,
        "supply_form": SupplyForm()
        if user.role == Role.WINDOW_CLERK and can_supply(matter.status)
        else None,
        "returned": matter.steps.filter(outcome=Outcome.RETURN).order_by("-decided_at").first()
        if can_supply(matter.status)
        else None,
        "alerts": active.alerts.order_by("-created_at") if active else [],
        **extra,
    }


def _chain_state(index, active, matter) -> str:
    if matter.status == Matter.Status.APPROVED:
        return "done"
    if active is None:
        return "waiting"
    return "done" if index < active.index else ("current" if index == active.index else "waiting")


@login_required
def matter_page(request, pk: int):
    matter = _matter_for(request.user, pk)
    return render(request, "workbench/matter.html", _matter_context(request, matter))


@login_required
@require_POST
def decide(request, pk: int):
    """Two posts: the decision, then its confirmation (a decision cannot be taken back)."""
    matter = _matter_for(request.user, pk)
    step = matter.steps.filter(status=Step.Status.ACTIVE).select_related("unit__region").first()
    if step is None or str(step.pk) != request.POST.get("step"):
        messages.error(request, "该环节已由他人办理或已变化，请查看最新情况。")
        return redirect("workbench:matter", pk)
    sdef = chain_definition(matter.chain_id).steps[step.index]
    form = DecisionForm(
        request.POST,
        step=step,
        records=sdef.records,
        outcomes=sdef.outcomes,
        proposed_amount=matter.prescreen.get("amount"),
    )
    if form.is_valid():
        try:
            decision_check(matter=matter, step=step, sdef=sdef, decision=form.decision())
        except ValidationError as exc:
            form_errors_from(form, exc, {"assessment": "category"})
    if not form.is_valid():
        return render(
            request,
            "workbench/matter.html",
            _matter_context(request, matter, form=form),
            status=400,
        )
    if request.POST.get("confirmed") != "yes":
        return render(
            request, "workbench/decide_confirm.html", {"matter": matter, "step": step, "form": form}
        )
    try:
        step_decide(actor=request.user, step=step, decision=form.decision())
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("workbench:matter", pk)
    except ValidationError as exc:
        form_errors_from(form, exc, {"assessment": "category"})
        return render(
            request,
            "workbench/matter.html",
            _matter_context(request, matter, form=form),
            status=400,
        )
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect("workbench:matter", pk)
    messages.success(
        request, f"已办理：{step.name}，结论：{Outcome.LABELS[form.cleaned_data['outcome']]}。"
    )
    return redirect("workbench:queue")


@login_required
@require_POST
def claim(request, pk: int):
    matter = _matter_for(request.user, pk)
    step = matter.steps.filter(status=Step.Status.ACTIVE).first()
    if step is None:
        raise Http404("该事项没有正在办理的环节。")
    run_action(
        request,
        lambda: step_claim(actor=request.user, step=step),
        "已认领，其他同事将不能办理此环节。",
    )
    return redirect("workbench:matter", pk)


@login_required
@require_POST
def supply(request, pk: int):
    matter = _matter_for(request.user, pk)
    form = SupplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("workbench:matter", pk)
    upload = form.cleaned_data.get("file")
    material = (
        MaterialIn("supplement", MaterialSource.UPLOAD, content=upload.read(), filename=upload.name)
        if upload
        else MaterialIn("supplement", MaterialSource.PAPER)
    )
    run_action(
        request,
        lambda: matter_supply(
            actor=request.user, matter=matter, materials=[material], in_person=True
        ),
        "已补正，办理计时恢复。",
    )
    return redirect("workbench:matter", pk)


@login_required
@require_POST
def press(request, pk: int):
    matter = _matter_for(request.user, pk)
    form = PressForm(request.POST)
    if form.is_valid():
        message = form.cleaned_data["message"]
        run_action(
            request,
            lambda: matter_press(actor=request.user, matter=matter, message=message),
            "已督办，办理单位会在待办中看到。",
        )
    else:
        messages.error(request, "请填写督办意见。")
    return redirect("workbench:matter", pk)


@login_required
@require_POST
def accept(request, pk: int):
    application = _application_for(request.user, pk)
    run_action(
        request,
        lambda: application_accept(actor=request.user, application=application),
        "已受理，事项已分发到各部门。",
    )
    return redirect("workbench:receipt", pk)


@login_required
@require_POST
def refuse(request, pk: int):
    application = _application_for(request.user, pk)
    form = RefuseForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        run_action(
            request,
            lambda: application_refuse(actor=request.user, application=application, reason=reason),
            "已作不予受理，理由将告知申请人。",
        )
    else:
        messages.error(request, "请填写不予受理的理由。")
    return redirect("workbench:application", pk)


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
        "已交付，本次到窗口计入跑动次数。",
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
        "已登记寄出，申请人会收到邮件号。",
    )
    return redirect("workbench:application", handover.application_id)


@login_required
@require_POST
def handover_track(request, pk: int):
    handover = _handover_for(request.user, pk)
    if request.user.role != Role.WINDOW_CLERK:
        raise PermissionDenied("由窗口登记邮件状态。")
    status = request.POST.get("status", "")
    run_action(
        request,
        lambda: delivery.handover_track(actor=request.user, handover=handover, status=status),
        "已登记邮件状态。",
    )
    return redirect("workbench:application", handover.application_id)


@login_required
@require_POST
def reveal(request, pk: int):
    application = _application_for(request.user, pk)
    number = person_reveal_id(actor=request.user, person=application.applicant)
    return _application_page(request, application, revealed_id=number)


@login_required
def material(request, pk: int):
    """Open an uploaded material: only for those who see a matter it belongs to, and audited."""
    item = get_object_or_404(Material, pk=pk)
    _application_for(request.user, item.application_id)  # 404 unless the user may see it
    content = material_open(actor=request.user, material=item)
    if content is None:
        raise Http404("该材料没有电子文件。")
    response = HttpResponse(content, content_type=item.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="material-{item.pk}{_ext(item.content_type)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _ext(content_type: str) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(
        content_type, ""
    )
