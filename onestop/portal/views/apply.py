"""Applying online: four steps kept in a draft (save and continue later), then one submission."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from onestop.cases.errors import AlreadyOpen, CaseError
from onestop.cases.intake import application_submit
from onestop.cases.materials import MaterialIn
from onestop.cases.models import MaterialSource
from onestop.cases.selectors import open_matters_for
from onestop.core import clock, formtokens
from onestop.people.renewal import RENEWAL_DAYS
from onestop.policy.facts import Facts
from onestop.policy.matters import Matter as MatterType
from onestop.policy.services import prescreen

from .. import selectors, services
from ..forms import ConsentForm, DeliveryForm, DetailsForm, MattersForm
from ..models import Draft
from .shared import citizen_required, person_or_404

STEPS = [
    ("matters", gettext_lazy("选择事项")),
    ("details", gettext_lazy("说明和材料")),
    ("delivery", gettext_lazy("送达和联系")),
    ("confirm", gettext_lazy("确认提交")),
]
STEP_NAMES = [s for s, _ in STEPS]


@never_cache  # Back after submitting asks the server again, which knows it was submitted
@citizen_required
def apply(request, person_id: int, step: str = "matters"):
    person = person_or_404(request, person_id)
    if step not in STEP_NAMES:
        raise Http404(gettext("没有这一步。"))
    phone = request.citizen_phone
    draft = selectors.draft_for(phone, person)
    if step != "matters" and (draft is None or not draft.data.get("matters")):
        return _nothing_to_continue(request, person)
    draft = draft or Draft(phone=phone, person=person)
    result = prescreen(
        facts=Facts(),
        region_code=person.hukou_region_id,
        day=clock.today(),
        person=person,
        matters=draft.data.get("matters") or tuple(MatterType),
    )
    # 换证: a card due for renewal makes the certificate a 换领 (the submission records it);
    # 申请换证 (from the person's page or the reminder) opens the form with it ticked.
    renewal = selectors.renewal_due(person, clock.today())
    open_matters = list(open_matters_for(person)) if step == "matters" else []
    # Already applied for: the open application says so, and nothing is ticked.
    renewing = any(m.kind == MatterType.CERT for m in open_matters)
    renew_asked = step == "matters" and request.GET.get("renew") == "1"
    form = _step_form(
        step, request, draft, result, renewal=renewal, renew=renew_asked and not renewing
    )
    token = request.POST.get(formtokens.FIELD, "")
    key = formtokens.redeem(token, phone, person.pk)
    if step == "confirm" and request.method == "POST" and key is None:
        form.add_error(None, gettext("这张表已过期（例如页面打开太久），请核对后再提交一次。"))
    if request.method == "POST" and form.is_valid():
        if step == "confirm":
            return _submit(request, person, draft, form, key)
        return _step_done(request, person, step, form)
    if step == "details" and request.method == "POST":
        # Keep each file that passed its checks, even when another on the same page did not,
        # and what was typed beside them.
        services.draft_files_add(phone=phone, person=person, files=_uploads(form))
        draft = services.draft_save(phone=phone, person=person, data=_typed(form), resume="details")
    names = {n.material.code: n.material.name for n in result.materials}
    return render(
        request,
        "portal/apply.html",
        {
            "person": person,
            "step": step,
            "steps": STEPS,
            "step_index": STEP_NAMES.index(step) + 1,
            "step_label": dict(STEPS)[step],
            "form": form,
            "result": result,
            "draft": draft,
            "chosen": draft.data.get("matters", []),
            "renewal": renewal,
            "renew_asked": renew_asked,
            "renewing": renewing,
            "renewal_days": RENEWAL_DAYS,
            "today": clock.today(),
            "files": [(names.get(f.code, f.code), f) for f in selectors.draft_files(draft)],
            "open_matters": open_matters,
            "form_token": token if key else formtokens.issue(phone, person.pk),
            "representative": selectors.representative_for(phone, person),
        },
    )


def _step_done(request, person, step: str, form):
    phone = request.citizen_phone
    next_step = STEP_NAMES[STEP_NAMES.index(step) + 1]
    if step == "details":
        services.draft_files_add(phone=phone, person=person, files=_uploads(form))
    saving = "save" in request.POST
    # 接着填写 opens the step the person stopped at.
    services.draft_save(
        phone=phone, person=person, data=_typed(form), resume=step if saving else next_step
    )
    if saving:
        messages.success(request, gettext("已保存。下次登录可以接着填。"))
        return redirect("portal:me")
    return redirect("portal:apply_step", person.pk, next_step)


def _typed(form) -> dict:
    """What the person typed or chose on the step, without the files (kept apart)."""
    return {k: v for k, v in form.cleaned_data.items() if not k.startswith("file_")}


def _uploads(form) -> dict:
    """The uploads that passed their checks, by material code."""
    found = ((need.material.code, form.cleaned_data.get(name)) for need, name in form.uploads)
    return {code: upload for code, upload in found if upload}


def _nothing_to_continue(request, person):
    """A later step without a draft: just submitted (Back from the application), or never
    started. Nothing to submit here, so no submit button."""
    open_matters = open_matters_for(person)
    if not open_matters:
        return redirect("portal:apply_step", person.pk, "matters")
    return render(
        request, "portal/apply_submitted.html", {"person": person, "open_matters": open_matters}
    )


@citizen_required
@require_POST
def apply_file_remove(request, person_id: int, pk: int):
    person = person_or_404(request, person_id)
    item = selectors.draft_file_for(request.citizen_phone, person, pk)
    if item is None:
        raise Http404
    services.draft_file_remove(phone=request.citizen_phone, item=item)
    messages.success(request, gettext("已删除“{name}”。").format(name=item.original_name))
    return redirect("portal:apply_step", person.pk, "details")


def _step_form(step, request, draft, result, *, renewal=None, renew=False):
    data = request.POST if request.method == "POST" else None
    if step == "matters":
        chosen = list(draft.data.get("matters", []))
        if renew and renewal is not None and MatterType.CERT not in chosen:
            chosen.append(MatterType.CERT.value)
        return MattersForm(
            data,
            initial={"matters": chosen},
            assessments=result.assessments,
            person=draft.person,
            renewal=renewal is not None,
        )
    if step == "details":
        return DetailsForm(
            data,
            request.FILES or None,
            materials=result.materials,
            matters=draft.data.get("matters", []),
            initial=draft.data,
        )
    if step == "delivery":
        initial = {"delivery": "post", "delivery_address": draft.person.address, **draft.data}
        return DeliveryForm(data, initial=initial)
    return ConsentForm(data)


def _submit(request, person, draft, form, key: str | None):
    data = draft.data
    materials = [
        MaterialIn(f.code, MaterialSource.UPLOAD, content=f.file.read(), filename=f.original_name)
        for f in selectors.draft_files(draft)
    ]
    representative = selectors.representative_for(request.citizen_phone, person)
    try:
        application = application_submit(
            actor=None,
            channel="online",
            applicant=person,
            matters=data.get("matters", []),
            delivery=data.get("delivery", ""),
            delivery_address=data.get("delivery_address", ""),
            communication_needs=data.get("communication_needs", []),
            consent_given=form.cleaned_data["consent_share"],
            sensitive_consent_given=form.cleaned_data["consent_sensitive"],
            representative=representative,
            authority_scope=["apply", "receive", "rate"] if representative else [],
            answers={
                "living_reason": data.get("living_reason", ""),
                "nursing_reason": data.get("nursing_reason", ""),
            },
            materials=materials,
            idempotency_key=key,
        )
    except ValidationError as exc:
        for errs in exc.message_dict.values():
            messages.error(request, "；".join(errs))
        first = "delivery" if any(k.startswith("delivery") for k in exc.message_dict) else "matters"
        if "materials" in exc.message_dict:
            first = "details"
        return redirect("portal:apply_step", person.pk, first)
    except AlreadyOpen as exc:
        messages.error(request, str(exc))
        return redirect("portal:apply_step", person.pk, "matters")
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect("portal:apply_step", person.pk, "confirm")
    services.draft_discard(draft=draft)
    messages.success(
        request,
        gettext("已提交，受理编号 {no}。窗口受理后开始计时，结果会一次送到。").format(
            no=application.tracking_no
        ),
    )
    return redirect("portal:application", application.pk)
