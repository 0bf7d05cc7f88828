"""The matter page and the actions on its steps: decide, claim, supply, press."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onestop.accounts.roles import Role
from onestop.cases.chains import Outcome
from onestop.cases.clocks import matter_press
from onestop.cases.errors import CaseError, Conflict
from onestop.cases.materials import MaterialIn
from onestop.cases.models import MaterialSource, Matter, Step
from onestop.cases.reference import chain_definition
from onestop.cases.selectors import (
    materials_visible_to,
    matter_active_step,
    matter_last_return,
    matter_steps,
    matter_visible_to,
    step_alerts,
)
from onestop.cases.steps import (
    amount_to_record,
    decision_check,
    matter_supply,
    step_claim,
    step_decide,
)
from onestop.cases.workflow import can_decide, can_supply
from onestop.core import clock
from onestop.core.actions import run_action
from onestop.policy import calendar

from .application import timeline_for
from .forms import DecisionForm, PressForm, SupplyForm
from .intake import form_errors_from


def _matter_for(user, pk) -> Matter:
    matter = matter_visible_to(user, pk)
    if matter is None:
        raise Http404(gettext("未找到该事项。"))
    return matter


def _decision_form(matter: Matter, step: Step, data=None) -> DecisionForm:
    sdef = chain_definition(matter.chain_id).steps[step.index]
    return DecisionForm(
        data,
        step=step,
        records=sdef.records,
        outcomes=sdef.outcomes,
        proposed_amount=matter.prescreen.get("amount"),
        renews=matter.renews,
    )


def _matter_context(request, matter: Matter, **extra):
    user = request.user
    steps = list(matter_steps(matter))
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
        form = _decision_form(matter, active)
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
        "timeline": timeline_for(user, matter.application, [matter]),
        "press_form": PressForm() if user.role == Role.SUPERVISOR else None,
        "supply_form": SupplyForm()
        if user.role == Role.WINDOW_CLERK and can_supply(matter.status)
        else None,
        "returned": matter_last_return(matter) if can_supply(matter.status) else None,
        "alerts": step_alerts(active) if active else [],
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


def _form_again(request, matter: Matter, form: DecisionForm):
    return render(
        request, "workbench/matter.html", _matter_context(request, matter, form=form), status=400
    )


@login_required
@require_POST
def decide(request, pk: int):
    """Two posts: the decision, then its confirmation (a decision cannot be taken back)."""
    matter = _matter_for(request.user, pk)
    step = matter_active_step(matter)
    if step is None or str(step.pk) != request.POST.get("step"):
        messages.error(request, gettext("该环节已由他人办理或已变化，请查看最新情况。"))
        return redirect("workbench:matter", pk)
    sdef = chain_definition(matter.chain_id).steps[step.index]
    form = _decision_form(matter, step, request.POST)
    if form.is_valid():
        try:
            decision_check(matter=matter, step=step, sdef=sdef, decision=form.decision())
        except ValidationError as exc:
            form_errors_from(form, exc, {"assessment": "category"})
    if not form.is_valid():
        return _form_again(request, matter, form)
    if request.POST.get("confirmed") != "yes":
        amount = (
            amount_to_record(form.cleaned_data.get("amount"), matter.prescreen.get("amount"))
            if "amount" in form.fields
            else None
        )
        return render(
            request,
            "workbench/decide_confirm.html",
            {"matter": matter, "step": step, "form": form, "amount": amount},
        )
    try:
        step_decide(actor=request.user, step=step, decision=form.decision())
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("workbench:matter", pk)
    except ValidationError as exc:
        form_errors_from(form, exc, {"assessment": "category"})
        return _form_again(request, matter, form)
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect("workbench:matter", pk)
    messages.success(
        request,
        gettext("已办理：{step}，结论：{outcome}。").format(
            step=gettext(step.name), outcome=gettext(Outcome.LABELS[form.cleaned_data["outcome"]])
        ),
    )
    return redirect("workbench:queue")


@login_required
@require_POST
def claim(request, pk: int):
    matter = _matter_for(request.user, pk)
    step = matter_active_step(matter)
    if step is None:
        raise Http404(gettext("该事项没有正在办理的环节。"))
    run_action(
        request,
        lambda: step_claim(actor=request.user, step=step),
        gettext("已认领，其他同事将不能办理此环节。"),
    )
    return redirect("workbench:matter", pk)


@login_required
@require_POST
def supply(request, pk: int):
    matter = _matter_for(request.user, pk)
    form = SupplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(
            request, gettext("；").join(str(e) for errs in form.errors.values() for e in errs)
        )
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
        gettext("已补正，办理计时恢复。"),
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
            gettext("已督办，办理单位会在待办中看到。"),
        )
    else:
        messages.error(request, gettext("请填写督办意见。"))
    return redirect("workbench:matter", pk)
