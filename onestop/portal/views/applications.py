"""Following one's application: its status, documents, supplying materials, withdrawing,
confirming a 免申即享 proposal, and rating."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from onestop.cases.acceptance import application_withdraw
from onestop.cases.materials import MaterialIn
from onestop.cases.models import MaterialSource, Matter, Step
from onestop.cases.proactive import application_confirm
from onestop.cases.steps import matter_supply
from onestop.cases.timeline import timeline
from onestop.cases.workflow import awaits_confirmation, can_supply, can_withdraw, is_ratable
from onestop.core.actions import run_action
from onestop.delivery.selectors import handovers_of
from onestop.delivery.services import handover_request_early
from onestop.documents.models import DocumentKind
from onestop.documents.services import document_issue, document_pdf
from onestop.documents.views import pdf_response
from onestop.ratings.models import NEGATIVE
from onestop.ratings.services import rating_rate_rectification, rating_submit
from onestop.regions.services import hotline_for

from .. import selectors
from ..forms import ConsentForm, DeliveryForm, RatingForm, SupplyForm
from .shared import application_or_404, citizen_required

CITIZEN_STATUS: dict[str, str] = {
    Matter.Status.PENDING: gettext_noop("等窗口受理"),
    Matter.Status.IN_PROGRESS: gettext_noop("正在办理"),
    Matter.Status.WAITING_CERT: gettext_noop("等残疾人证办好后自动接着办"),
    Matter.Status.SUPPLEMENT: gettext_noop("需要您补交材料"),
    Matter.Status.APPROVED: gettext_noop("已批准"),
    Matter.Status.REJECTED: gettext_noop("没有批准"),
    Matter.Status.WITHDRAWN: gettext_noop("已撤回"),
}


def _matter_or_404(application, pk, *, decided: bool = False) -> Matter:
    matter = selectors.matter_of(application, pk, decided=decided)
    if matter is None:
        raise Http404
    return matter


@citizen_required
def application_page(request, pk: int):
    application = application_or_404(request, pk)
    return render(request, "portal/application.html", _application_context(application))


@citizen_required
def document(request, pk: int, kind: str):
    """The applicant's own 受理回执 and 结果告知书 (ID numbers masked), large print on request.
    Issuing one records what was handed out (a new version only when the case changed)."""
    application = application_or_404(request, pk)
    if kind not in (DocumentKind.RECEIPT, DocumentKind.RESULT) or application.accepted_at is None:
        raise Http404(gettext("没有这份文书。"))
    matter = None
    if kind == DocumentKind.RESULT:
        matter = _matter_or_404(application, request.GET.get("matter") or 0, decided=True)
    issued = document_issue(actor=None, kind=kind, application=application, matter=matter)
    large = request.GET.get("large") == "1"
    return pdf_response(document_pdf(actor=None, document=issued, large=large), issued, large)


def status_context(application) -> dict:
    """What the status block shows: each matter's state in plain words (four queries)."""
    matter_rows, steps, ratings = selectors.status_rows(application)
    matters = []
    for m in matter_rows:
        own = [s for s in steps if s.matter_id == m.pk]
        returned = [s for s in own if s.outcome == "return"] if can_supply(m.status) else []
        matters.append(
            {
                "matter": m,
                "status": CITIZEN_STATUS[m.status],
                "active": next((s for s in own if s.status == Step.Status.ACTIVE), None),
                "returned": returned[-1] if returned else None,
                "rating": next((r for r in ratings if r.matter_id == m.pk), None),
            }
        )
    return {
        "application": application,
        "matters": matters,
        "handovers": list(handovers_of(application)),
        "ratings": ratings,
        "overall_rating": next((r for r in ratings if r.matter_id is None), None),
        "ratable": is_ratable(application.status),
        "decided": any(s.outcome in ("approve", "reject") for s in steps),
    }


def _application_context(application) -> dict:
    context = status_context(application)
    context.update(
        timeline=timeline(application, for_citizen=True),
        rating_form=RatingForm(),
        supply_form=SupplyForm(),
        can_withdraw=can_withdraw(application.status, decided=context["decided"]),
        hotline=hotline_for(application.applicant.hukou_region_id),
    )
    if awaits_confirmation(application.status):
        context["consent_form"] = ConsentForm()
        context["delivery_form"] = DeliveryForm(
            initial={"delivery": "post", "delivery_address": application.applicant.address}
        )
    return context


@citizen_required
@require_POST
def supply(request, pk: int, matter_id: int):
    application = application_or_404(request, pk)
    matter = _matter_or_404(application, matter_id)
    form = SupplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["file"]))
        return redirect("portal:application", pk)
    upload = form.cleaned_data["file"]
    material = MaterialIn(
        "supplement", MaterialSource.UPLOAD, content=upload.read(), filename=upload.name
    )
    run_action(
        request,
        lambda: matter_supply(actor=None, matter=matter, materials=[material]),
        gettext("材料已补交，办理接着计时。"),
    )
    return redirect("portal:application", pk)


@citizen_required
@require_POST
def early(request, pk: int, matter_id: int):
    application = application_or_404(request, pk)
    matter = _matter_or_404(application, matter_id)
    run_action(
        request,
        lambda: handover_request_early(application=application, matter=matter),
        gettext("好的，这个结果先给您，不等其他事项。"),
    )
    return redirect("portal:application", pk)


@citizen_required
def withdraw(request, pk: int):
    application = application_or_404(request, pk)
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        run_action(
            request,
            lambda: application_withdraw(actor=None, application=application, reason=reason),
            gettext("申请已撤回。"),
        )
        return redirect("portal:application", pk)
    return render(request, "portal/withdraw.html", {"application": application})


@citizen_required
@require_POST
def confirm(request, pk: int):
    """免申即享: one confirmation, with consent and where to send the result."""
    application = application_or_404(request, pk)
    consent = ConsentForm(request.POST)
    delivery = DeliveryForm(request.POST)
    if not (consent.is_valid() and delivery.is_valid()):
        messages.error(request, gettext("请勾选两项同意，并选择结果怎么给您。"))
        return redirect("portal:application", pk)
    run_action(
        request,
        lambda: application_confirm(
            actor=None,
            application=application,
            delivery=delivery.cleaned_data["delivery"],
            delivery_address=delivery.cleaned_data["delivery_address"],
        ),
        gettext("已确认，开始办理。您不用跑腿，结果会送到。"),
    )
    return redirect("portal:application", pk)


@citizen_required
@require_POST
def rate(request, pk: int):
    application = application_or_404(request, pk)
    form = RatingForm(request.POST)
    matter = None
    if request.POST.get("matter"):
        matter = _matter_or_404(application, request.POST["matter"])
    if not form.is_valid():
        messages.error(request, gettext("请选择一个评价。"))
        return redirect("portal:application", pk)
    level = form.cleaned_data["level"]
    run_action(
        request,
        lambda: rating_submit(
            phone=request.citizen_phone,
            application=application,
            matter=matter,
            level=level,
            comment=form.cleaned_data["comment"],
        ),
        gettext("谢谢您的评价。我们会尽快联系您并整改。")
        if level in NEGATIVE
        else gettext("谢谢您的评价。"),
    )
    return redirect("portal:application", pk)


@citizen_required
@require_POST
def rate_rectification(request, pk: int, rating_id: int):
    application = application_or_404(request, pk)
    rating = selectors.rating_of(application, rating_id)
    if rating is None:
        raise Http404
    form = RatingForm(request.POST)
    if form.is_valid():
        level = form.cleaned_data["level"]
        run_action(
            request,
            lambda: rating_rate_rectification(
                phone=request.citizen_phone, rating=rating, level=level
            ),
            gettext("谢谢您对整改的评价。"),
        )
    else:
        messages.error(request, gettext("请选择一个评价。"))
    return redirect("portal:application", pk)
