"""一窗受理: find or register the applicant, pre-screen, one form, accept, print the receipt."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.errors import CaseError
from onestop.cases.intake import application_submit
from onestop.cases.materials import MaterialIn
from onestop.cases.models import Application, MaterialSource
from onestop.cases.selectors import (
    application_submitted_with,
    applications_detailed,
    matters_on_receipt,
    open_matters_for,
)
from onestop.core import clock, formtokens, pii
from onestop.documents.content import progress_help
from onestop.people.identifiers import CATEGORIES, LEVELS
from onestop.people.models import DibaoCategory, TekunCategory
from onestop.people.selectors import (
    certificate_to_renew,
    guardian_of,
    person_get,
    persons_visible_to,
)
from onestop.people.services import person_find_by_id_number, person_register
from onestop.policy.facts import FACT_LABELS, Facts
from onestop.policy.facts import Certificate as HeldCertificate
from onestop.policy.materials import codes_needed_by
from onestop.policy.matters import MATTER_DEPARTMENT
from onestop.policy.matters import Matter as MatterType
from onestop.policy.services import prescreen

from .forms import IdLookupForm, IntakeForm, PersonRegisterForm

INTAKE_ID_CONTEXT = "workbench.session.intake_id_number"


def window_only(view):
    def wrapped(request, *args, **kwargs):
        if request.user.role != Role.WINDOW_CLERK:
            raise PermissionDenied(gettext("只有窗口受理员可以受理申请。"))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def form_errors_from(form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the form's fields (by name, or alias), else on the form."""
    for field, messages_ in exc.message_dict.items():
        field = (aliases or {}).get(field, field)
        form.add_error(field if field in form.fields else None, messages_)


@window_only
@require_http_methods(["GET", "POST"])
def start(request):
    """Step 1: the applicant's ID number."""
    form = IdLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["id_number"]
        person = person_find_by_id_number(persons_visible_to(request.user), number)
        if person is not None:
            request.session.pop(f"intake_nonce_{person.pk}", None)  # a new intake
            return redirect("workbench:intake_form", person.pk)
        # Sessions are stored in the database and cache: the number only encrypted there.
        request.session["intake_id_number"] = pii.encrypt(number, context=INTAKE_ID_CONTEXT)
        return redirect("workbench:intake_register")
    return render(request, "workbench/intake_start.html", {"form": form})


@window_only
@require_http_methods(["GET", "POST"])
def register(request):
    """A person the registry does not know yet (only their ID number was typed so far)."""
    try:
        carried = pii.decrypt(request.session["intake_id_number"], context=INTAKE_ID_CONTEXT)
    except (KeyError, pii.DecryptionError):  # none typed yet, or from before it was encrypted
        carried = ""
    initial = {"id_number": carried}
    form = PersonRegisterForm(request.POST or None, initial=initial, scope=request.user.scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = person_register(
                actor=request.user,
                name=data["name"],
                name_mn=data["name_mn"],
                language=data["language"],
                id_number=data["id_number"],
                hukou_region_code=data["township"],
                phone=data["phone"],
                address=data["address"],
                dibao_category=data["dibao_category"],
                tekun_category=data["tekun_category"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc, {"hukou_region": "township"})
        else:
            request.session.pop("intake_id_number", None)
            messages.success(request, gettext("已登记{name}。").format(name=person.name))
            return redirect("workbench:intake_form", person.pk)
    return render(request, "workbench/intake_register.html", {"form": form})


@window_only
@require_http_methods(["GET", "POST"])
def application_form(request, person_id: int):
    """Step 2: what shared data knows, the pre-screening, and the one form."""
    person = person_get(request.user, person_id)
    if request.method == "GET":
        submitted = _submitted_with(request, person)
        if submitted is not None:  # Back after 提交并受理: nothing left to submit here
            return render(
                request,
                "workbench/intake_submitted.html",
                {"person": person, "application": submitted},
            )
    result = prescreen(
        facts=Facts(), region_code=person.hukou_region_id, day=clock.today(), person=person
    )
    # 换证: a card due for renewal makes the certificate a 换领 (the submission records it);
    # 办理换证 opens the form with it ticked, beside the other matters.
    renewal = certificate_to_renew(person, clock.today())
    open_matters = list(open_matters_for(person))
    # Already applied for: the open application says so, and nothing is ticked.
    renewing = any(m.kind == MatterType.CERT for m in open_matters)
    renew_asked = request.GET.get("renew") == "1" and renewal is not None and not renewing
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        guardians=person.guardians.all(),
        materials=result.materials,
        assessments=result.assessments,
        renewal=renewal is not None,
        initial={
            "delivery": "pickup",
            "delivery_address": person.address,
            **({"matters": [MatterType.CERT.value]} if renew_asked else {}),
        },
    )
    token = request.POST.get(formtokens.FIELD, "")
    key = formtokens.redeem(token, request.user.pk, person.pk)
    if request.method == "POST" and key is None:
        form.add_error(None, gettext("这张表已过期（例如页面打开太久），请核对后再提交一次。"))
    if request.method == "POST" and form.is_valid():
        application = _submit(request, person, form, result, key)
        if application is not None:
            return redirect("workbench:receipt", application.pk)
    known = [
        (gettext(FACT_LABELS[f]), _fact_text(getattr(result.facts, f)))
        for f in FACT_LABELS
        if f in result.facts.shared and f != "hukou_path"
    ]
    return render(
        request,
        "workbench/intake_form.html",
        {
            "person": person,
            "form": form,
            "assessments": [(a, MATTER_DEPARTMENT[a.matter].label) for a in result.assessments],
            "renewal": renewal,
            "renew_asked": renew_asked,
            "renewing": renewing,
            "today": clock.today(),
            "materials": result.materials,
            "known": known,
            "open_matters": open_matters,
            "form_token": token if key else _form_token(request, person),
        },
    )


def _submitted_with(request, person) -> Application | None:
    """The application this intake's form token already made, if it was submitted."""
    key = formtokens.redeem(_form_token(request, person), request.user.pk, person.pk)
    return application_submitted_with(request.user, key)


def _form_token(request, person) -> str:
    """One token per intake: kept in the session from looking the person up until the next
    look-up, so a form fetched again after Back still submits as the first one did."""
    nonce = request.session.setdefault(f"intake_nonce_{person.pk}", uuid.uuid4().hex)
    return formtokens.issue(request.user.pk, person.pk, nonce=nonce)


def _fact_text(value) -> str:
    """A shared fact in the reader's language."""
    if value is True:
        return gettext("是")
    if value is False:
        return gettext("否")
    if isinstance(value, HeldCertificate):
        return gettext("{category}{level}，有效期至 {day}").format(
            category=gettext(CATEGORIES[value.category]),
            level=gettext(LEVELS[value.level]),
            day=f"{value.valid_until:%Y-%m-%d}",
        )
    labels = {**dict(DibaoCategory.choices), **dict(TekunCategory.choices)}
    return gettext(labels[value]) if value in labels else str(value)


def _submit(request, person, form, result, key: str | None):
    data = form.cleaned_data
    representative = guardian_of(person, data["representative"]) if data["representative"] else None
    materials = []
    for need, paper_field, file_field in form.material_fields:
        upload = data.get(file_field)
        if upload:
            materials.append(
                MaterialIn(
                    need.material.code,
                    MaterialSource.UPLOAD,
                    content=upload.read(),
                    filename=upload.name,
                )
            )
        elif data.get(paper_field):
            materials.append(MaterialIn(need.material.code, MaterialSource.PAPER))
    needed = codes_needed_by(data["matters"])  # not the materials of matters not chosen
    for need in result.materials:
        if need.exempt and need.material.code in needed:
            materials.append(
                MaterialIn(need.material.code, MaterialSource.ELICENCE, reference="共享")
            )
    answers = {
        "living_reason": data["living_reason"],
        "nursing_reason": data["nursing_reason"],
        "medical_bills": form.bills(),
    }
    try:
        application = application_submit(
            actor=request.user,
            channel="window",
            applicant=person,
            matters=data["matters"],
            delivery=data["delivery"],
            delivery_address=data["delivery_address"],
            consent_given=data["consent_share"],
            sensitive_consent_given=data["consent_sensitive"],
            communication_needs=data["communication_needs"],
            representative=representative,
            authority_scope=data["authority_scope"],
            authority_until=data["authority_until"],
            answers=answers,
            materials=materials,
            idempotency_key=key,
        )
        return application_accept(actor=request.user, application=application)
    except ValidationError as exc:
        form_errors_from(form, exc)
    except CaseError as exc:
        form.add_error(None, str(exc))
    return None


@login_required
def receipt(request, pk: int):
    """受理回执: printable, with everything the applicant needs to follow the case."""
    application = get_object_or_404(applications_detailed(request.user), pk=pk)
    matters = matters_on_receipt(application)
    return render(
        request,
        "workbench/receipt.html",
        {
            "application": application,
            "matters": matters,
            "materials": application.materials.all(),
            "progress_help": progress_help(application, tr=gettext),
            "follow_url": request.build_absolute_uri(reverse("workbench:home")).rsplit(
                "/workbench/", 1
            )[0],
        },
    )
