"""The application page and the actions on a whole application: accept, refuse, reveal the ID
number, open a material."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onestop.accounts.roles import OFFICER_ROLES, Role
from onestop.cases.acceptance import application_accept, application_refuse
from onestop.cases.materials import material_open
from onestop.cases.models import Application, Material
from onestop.cases.selectors import applications_detailed, materials_visible_to, matters_visible_to
from onestop.cases.timeline import timeline
from onestop.core import clock
from onestop.core.actions import run_action
from onestop.delivery.selectors import handovers_of
from onestop.documents.selectors import document_kinds_for
from onestop.people.services import person_reveal_id
from onestop.policy.matters import Matter as MatterType

from .forms import RefuseForm


def application_for(user, pk) -> Application:
    return get_object_or_404(applications_detailed(user), pk=pk)


def timeline_for(user, application: Application, matters):
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
            "timeline": timeline_for(request.user, application, matters),
            "today": clock.today(),
            "refuse_form": RefuseForm(),
            "is_clerk": request.user.role == Role.WINDOW_CLERK,
            "revealed_id": revealed_id,
            "handovers": handovers_of(application),
            "document_kinds": document_kinds_for(request.user, application),
            "has_subsidy": any(m.kind in (MatterType.LIVING, MatterType.NURSING) for m in matters),
        },
    )


@login_required
def application_page(request, pk: int):
    return _application_page(request, application_for(request.user, pk))


@login_required
@require_POST
def accept(request, pk: int):
    application = application_for(request.user, pk)
    run_action(
        request,
        lambda: application_accept(actor=request.user, application=application),
        gettext("已受理，事项已分发到各部门。"),
    )
    return redirect("workbench:receipt", pk)


@login_required
@require_POST
def refuse(request, pk: int):
    application = application_for(request.user, pk)
    form = RefuseForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        run_action(
            request,
            lambda: application_refuse(actor=request.user, application=application, reason=reason),
            gettext("已作不予受理，理由将告知申请人。"),
        )
    else:
        messages.error(request, gettext("请填写不予受理的理由。"))
    return redirect("workbench:application", pk)


@login_required
@require_POST
def reveal(request, pk: int):
    application = application_for(request.user, pk)
    number = person_reveal_id(actor=request.user, person=application.applicant)
    return _application_page(request, application, revealed_id=number)


@login_required
def material(request, pk: int):
    """Open an uploaded material: only for those who see a matter it belongs to, and audited."""
    item = get_object_or_404(Material, pk=pk)
    application_for(request.user, item.application_id)  # 404 unless the user may see it
    opened = material_open(actor=request.user, material=item)
    if opened is None:
        raise Http404(gettext("该材料没有电子文件。"))
    # Streamed as it is decrypted (the whole file was checked first): memory stays flat.
    response = FileResponse(
        opened,
        content_type=item.content_type,
        filename=f"material-{item.pk}{_ext(item.content_type)}",
    )
    response["Content-Length"] = str(opened.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _ext(content_type: str) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(
        content_type, ""
    )
