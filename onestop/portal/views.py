"""一网通办: the applicant's pages. Every page works without JavaScript and in 长辈版."""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from onestop.cases.errors import AlreadyOpen, CaseError
from onestop.cases.intake import application_submit, application_withdraw
from onestop.cases.materials import MaterialIn
from onestop.cases.models import Application, MaterialSource, Matter, Step
from onestop.cases.proactive import application_confirm
from onestop.cases.selectors import open_matters_for
from onestop.cases.steps import matter_supply
from onestop.cases.timeline import timeline
from onestop.cases.tracking import normalise
from onestop.cases.workflow import awaits_confirmation, can_supply, can_withdraw, is_ratable
from onestop.core import clock, formtokens
from onestop.core.actions import run_action
from onestop.core.ratelimit import client_ip, hit
from onestop.delivery.services import handover_request_early
from onestop.documents.models import DocumentKind
from onestop.documents.services import document_issue, document_pdf
from onestop.documents.views import pdf_response
from onestop.notices.models import Notice, SmsMessage
from onestop.people.identifiers import mask_mobile
from onestop.policy import registry
from onestop.policy.facts import Certificate, CertStatus, Dibao, Facts, Tekun
from onestop.policy.matters import Matter as MatterType
from onestop.policy.services import prescreen
from onestop.ratings.models import NEGATIVE, Rating
from onestop.ratings.services import rating_rate_rectification, rating_submit
from onestop.regions.services import county_hotlines, hotline_for

from . import guides, services
from .forms import (
    CheckForm,
    CodeForm,
    ConsentForm,
    DeliveryForm,
    DetailsForm,
    LookupForm,
    MattersForm,
    PhoneForm,
    RatingForm,
    SupplyForm,
    tri,
)
from .models import Draft, DraftFile, OneTimeCode

ELDER_COOKIE = "onestop_elder"
STEPS = [
    ("matters", "选择事项"),
    ("details", "说明和材料"),
    ("delivery", "送达和联系"),
    ("confirm", "确认提交"),
]


def citizen_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        phone = request.session.get("citizen_phone")
        if not phone:
            return redirect(f"{reverse('portal:sign_in')}?next={request.get_full_path()}")
        request.citizen_phone = phone
        return view(request, *args, **kwargs)

    return wrapped


def home(request):
    return render(
        request,
        "portal/home.html",
        {"signed_in": bool(request.session.get("citizen_phone")), "guides": guides.guides()},
    )


def guide(request, slug):
    found = next((m for m in MatterType if guides.slug(m) == slug), None)
    if found is None:
        raise Http404
    return render(request, "portal/guide.html", {"guide": guides.guide_for(found)})


def accessibility(request):
    return render(request, "portal/accessibility.html")


def hotlines(request):
    return render(request, "portal/hotlines.html", {"units": county_hotlines()})


@require_POST
def toggle_elder(request):
    """长辈版 on or off, remembered in a cookie, back to the same page."""
    target = request.POST.get("next", "/portal/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/portal/"
    response = redirect(target)
    if request.COOKIES.get(ELDER_COOKIE) == "1":
        response.delete_cookie(ELDER_COOKIE)
    else:
        response.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    return response


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


# --- check first ----------------------------------------------------------------
def check(request):
    form = CheckForm(request.POST or None)
    result = None
    if request.method == "POST":
        if not hit("portal-check", client_ip(request), settings.PRESCREEN_ANON_PER_MINUTE, 60):
            messages.error(request, "查询太频繁了，请一分钟后再试。")
        elif form.is_valid():
            result = _check_result(form.cleaned_data)
    return render(request, "portal/check.html", {"form": form, "result": result})


def _check_result(data):
    day = clock.today()
    cert = tri(data["has_certificate"])
    if cert and data["category"] and data["level"]:
        cert = Certificate(
            data["category"], data["level"], day.replace(year=day.year + 5), CertStatus.VALID
        )
    elif cert:
        cert = True
    dibao = None if data["dibao"] == "unknown" else Dibao(data["dibao"])
    tekun = {"yes": Tekun.DISPERSED, "no": Tekun.NONE}.get(data["tekun"])
    facts = Facts(
        birth_date=data["birth_date"],
        hukou_path=registry.region_path(data["county"]),
        certificate=cert,
        dibao=dibao,
        tekun=tekun,
        long_term_care=tri(data["long_term_care"]),
        resident_medical=tri(data["resident_medical"]),
        employee_pension=tri(data["employee_pension"]),
        student=tri(data["student"]),
        work_injury_nursing=False if tri(data["long_term_care"]) is not None else None,
        orphan_support=False,
    )
    return prescreen(facts=facts, region_code=data["county"], day=day)


# --- sign in ----------------------------------------------------------------
def sign_in(request):
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.code_send(
                phone=form.cleaned_data["phone"],
                purpose=OneTimeCode.Purpose.SIGN_IN,
                ip=client_ip(request),
            )
        except services.PortalError as exc:
            form.add_error("phone", str(exc))
        else:
            request.session["sign_in_phone"] = (
                form.cleaned_data["phone"].replace(" ", "").removeprefix("+86")
            )
            request.session["sign_in_next"] = _safe_next(request)
            return redirect("portal:sign_in_code")
    return render(request, "portal/sign_in.html", {"form": form, "next": _safe_next(request)})


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else ""


def sign_in_code(request):
    phone = request.session.get("sign_in_phone")
    if not phone:
        return redirect("portal:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and "resend" in request.POST:
        try:
            services.code_send(
                phone=phone, purpose=OneTimeCode.Purpose.SIGN_IN, ip=client_ip(request)
            )
            messages.success(request, "新的验证码已发送，之前的验证码作废。")
        except services.PortalError as exc:
            messages.error(request, str(exc))
        return redirect("portal:sign_in_code")
    if request.method == "POST" and form.is_valid():
        try:
            services.code_verify(
                phone=phone, purpose=OneTimeCode.Purpose.SIGN_IN, code=form.cleaned_data["code"]
            )
        except services.PortalError as exc:
            form.add_error("code", str(exc))
        else:
            target = request.session.pop("sign_in_next", "") or reverse("portal:me")
            request.session.pop("sign_in_phone", None)
            services.citizen_sign_in(request=request, phone=phone)
            return redirect(target)
    return render(
        request,
        "portal/sign_in_code.html",
        {"form": form, "masked": mask_mobile(phone), "minutes": services.CODE_MINUTES},
    )


@require_POST
def sign_out(request):
    request.session.flush()
    messages.info(request, "您已退出。")
    return redirect("portal:home")


# --- my page ----------------------------------------------------------------
@citizen_required
def me(request):
    people = list(services.people_for(request.citizen_phone))
    applications = (
        Application.objects.filter(applicant__in=people)
        .select_related("applicant")
        .order_by("-created_at")
    )
    drafts = Draft.objects.filter(phone=request.citizen_phone).select_related("person")
    return render(
        request,
        "portal/me.html",
        {
            "people": people,
            "applications": applications,
            "drafts": drafts,
            "masked": mask_mobile(request.citizen_phone),
        },
    )


@citizen_required
def inbox(request):
    """站内信: notices for everyone this number acts for, newest first; opening marks them read."""
    notices = list(
        Notice.objects.filter(
            person__in=services.people_for(request.citizen_phone), channel=Notice.Channel.INBOX
        )
        .select_related("person", "application")
        .order_by("-created_at")[:100]
    )
    Notice.objects.filter(pk__in=[n.pk for n in notices if n.read_at is None]).update(
        read_at=clock.now()
    )
    return render(request, "portal/inbox.html", {"notices": notices})


def _person_for(request, person_id):
    person = services.people_for(request.citizen_phone).filter(pk=person_id).first()
    if person is None:
        raise Http404("没有找到这个人。")
    return person


def _application_for(request, pk) -> Application:
    people = services.people_for(request.citizen_phone).values("pk")
    return get_object_or_404(
        Application.objects.filter(applicant__in=people).select_related(
            "applicant", "county", "township"
        ),
        pk=pk,
    )


# --- apply ----------------------------------------------------------------
@never_cache  # Back after submitting asks the server again, which knows it was submitted
@citizen_required
def apply(request, person_id: int, step: str = "matters"):
    person = _person_for(request, person_id)
    if step not in dict(STEPS):
        raise Http404("没有这一步。")
    draft = Draft.objects.filter(phone=request.citizen_phone, person=person).first()
    if step != "matters" and (draft is None or not draft.data.get("matters")):
        return _nothing_to_continue(request, person)
    draft = draft or Draft(phone=request.citizen_phone, person=person)
    day = clock.today()
    result = prescreen(
        facts=Facts(),
        region_code=person.hukou_region_id,
        day=day,
        person=person,
        matters=draft.data.get("matters") or tuple(MatterType),
    )
    form = _step_form(step, request, draft, result)
    token = request.POST.get(formtokens.FIELD, "")
    key = formtokens.redeem(token, request.citizen_phone, person.pk)
    if step == "confirm" and request.method == "POST" and key is None:
        form.add_error(None, "这张表已过期（例如页面打开太久），请核对后再提交一次。")
    if request.method == "POST" and form.is_valid():
        if step == "confirm":
            return _submit(request, person, draft, form, key)
        next_step = STEPS[[s for s, _ in STEPS].index(step) + 1][0]
        # 接着填写 opens the step the person stopped at.
        _save_step(step, draft, form, resume=step if "save" in request.POST else next_step)
        if "save" in request.POST:
            messages.success(request, "已保存。下次登录可以接着填。")
            return redirect("portal:me")
        return redirect("portal:apply_step", person.pk, next_step)
    if step == "details" and request.method == "POST":
        _save_uploads(draft, form)
    chosen = draft.data.get("matters", [])
    names = {n.material.code: n.material.name for n in result.materials}
    return render(
        request,
        "portal/apply.html",
        {
            "person": person,
            "step": step,
            "steps": STEPS,
            "step_index": [s for s, _ in STEPS].index(step) + 1,
            "form": form,
            "result": result,
            "draft": draft,
            "chosen": [MatterType(m).label for m in chosen],
            "files": [(names.get(f.code, f.code), f) for f in _draft_files(draft)],
            "open_matters": open_matters_for(person) if step == "matters" else (),
            "form_token": token if key else formtokens.issue(request.citizen_phone, person.pk),
            "representative": services.representative_for(request.citizen_phone, person),
        },
    )


def _draft_files(draft):
    return draft.files.order_by("pk") if draft.pk else DraftFile.objects.none()


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
    person = _person_for(request, person_id)
    item = get_object_or_404(
        DraftFile, pk=pk, draft__phone=request.citizen_phone, draft__person=person
    )
    item.file.delete(save=False)
    item.delete()
    messages.success(request, f"已删除“{item.original_name}”。")
    return redirect("portal:apply_step", person.pk, "details")


def _step_form(step, request, draft, result):
    data = request.POST if request.method == "POST" else None
    if step == "matters":
        return MattersForm(
            data,
            initial={"matters": draft.data.get("matters", [])},
            assessments=result.assessments,
        )
    if step == "details":
        return DetailsForm(
            data, request.FILES or None, materials=result.materials, initial=draft.data
        )
    if step == "delivery":
        initial = {"delivery": "post", "delivery_address": draft.person.address, **draft.data}
        return DeliveryForm(data, initial=initial)
    return ConsentForm(data)


def _save_step(step, draft, form, resume: str):
    if step == "details":
        _save_uploads(draft, form)
    kept = {k: v for k, v in form.cleaned_data.items() if not k.startswith("file_")}
    draft.data = {**draft.data, **kept, "step": resume}
    draft.save()


def _save_uploads(draft, form):
    """Keep each file that passed its checks, even when another on the same page did not."""
    if draft.pk is None:
        draft.save()
    for need, name in form.uploads:
        upload = form.cleaned_data.get(name)
        if not upload:
            continue
        content = upload.read()
        sha = hashlib.sha256(content).hexdigest()
        for old in draft.files.filter(code=need.material.code):
            old.file.delete(save=False)
            old.delete()
        item = DraftFile(
            draft=draft, code=need.material.code, original_name=upload.name[:200], sha256=sha
        )
        item.file.save(sha[:32], ContentFile(content), save=True)


def _submit(request, person, draft, form, key: str | None):
    data = draft.data
    materials = [
        MaterialIn(f.code, MaterialSource.UPLOAD, content=f.file.read(), filename=f.original_name)
        for f in _draft_files(draft)
    ]
    representative = services.representative_for(request.citizen_phone, person)
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
    for f in _draft_files(draft):
        f.file.delete(save=False)
    if draft.pk:
        draft.delete()
    messages.success(
        request, f"已提交，受理编号 {application.tracking_no}。窗口受理后开始计时，结果会一次送到。"
    )
    return redirect("portal:application", application.pk)


# --- follow ----------------------------------------------------------------
CITIZEN_STATUS = {
    Matter.Status.PENDING: "等窗口受理",
    Matter.Status.IN_PROGRESS: "正在办理",
    Matter.Status.WAITING_CERT: "等残疾人证办好后自动接着办",
    Matter.Status.SUPPLEMENT: "需要您补交材料",
    Matter.Status.APPROVED: "已批准",
    Matter.Status.REJECTED: "没有批准",
    Matter.Status.WITHDRAWN: "已撤回",
}


@citizen_required
def application_page(request, pk: int):
    application = _application_for(request, pk)
    return render(request, "portal/application.html", _application_context(application))


@citizen_required
def document(request, pk: int, kind: str):
    """The applicant's own 受理回执 and 结果告知书 (ID numbers masked), large print on request."""
    application = _application_for(request, pk)
    if kind not in (DocumentKind.RECEIPT, DocumentKind.RESULT) or application.accepted_at is None:
        raise Http404("没有这份文书。")
    matter = None
    if kind == DocumentKind.RESULT:
        matter = get_object_or_404(
            application.matters.filter(decided_at__isnull=False), pk=request.GET.get("matter") or 0
        )
    issued = document_issue(actor=None, kind=kind, application=application, matter=matter)
    large = request.GET.get("large") == "1"
    return pdf_response(document_pdf(actor=None, document=issued, large=large), issued, large)


def _status_context(application) -> dict:
    """What the status block shows: each matter's state in plain words (four queries)."""
    steps = list(
        Step.objects.filter(matter__application=application).select_related("unit").order_by("pk")
    )
    ratings = list(Rating.objects.filter(application=application))
    matters = []
    for m in application.matters.order_by("pk"):
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
        "handovers": list(application.handovers.prefetch_related("matters")),
        "ratings": ratings,
        "overall_rating": next((r for r in ratings if r.matter_id is None), None),
        "ratable": is_ratable(application.status),
        "decided": any(s.outcome in ("approve", "reject") for s in steps),
    }


def _application_context(application) -> dict:
    context = _status_context(application)
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
    application = _application_for(request, pk)
    matter = get_object_or_404(application.matters, pk=matter_id)
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
        "材料已补交，办理接着计时。",
    )
    return redirect("portal:application", pk)


@citizen_required
@require_POST
def early(request, pk: int, matter_id: int):
    application = _application_for(request, pk)
    matter = get_object_or_404(application.matters, pk=matter_id)
    run_action(
        request,
        lambda: handover_request_early(application=application, matter=matter),
        "好的，这个结果先给您，不等其他事项。",
    )
    return redirect("portal:application", pk)


@citizen_required
def withdraw(request, pk: int):
    application = _application_for(request, pk)
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        run_action(
            request,
            lambda: application_withdraw(actor=None, application=application, reason=reason),
            "申请已撤回。",
        )
        return redirect("portal:application", pk)
    return render(request, "portal/withdraw.html", {"application": application})


@citizen_required
@require_POST
def confirm(request, pk: int):
    """免申即享: one confirmation, with consent and where to send the result."""
    application = _application_for(request, pk)
    consent = ConsentForm(request.POST)
    delivery = DeliveryForm(request.POST)
    if not (consent.is_valid() and delivery.is_valid()):
        messages.error(request, "请勾选两项同意，并选择结果怎么给您。")
        return redirect("portal:application", pk)
    run_action(
        request,
        lambda: application_confirm(
            actor=None,
            application=application,
            delivery=delivery.cleaned_data["delivery"],
            delivery_address=delivery.cleaned_data["delivery_address"],
        ),
        "已确认，开始办理。您不用跑腿，结果会送到。",
    )
    return redirect("portal:application", pk)


@citizen_required
@require_POST
def rate(request, pk: int):
    application = _application_for(request, pk)
    form = RatingForm(request.POST)
    matter = None
    if request.POST.get("matter"):
        matter = get_object_or_404(application.matters, pk=request.POST["matter"])
    if not form.is_valid():
        messages.error(request, "请选择一个评价。")
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
        "谢谢您的评价。" + ("我们会尽快联系您并整改。" if level in NEGATIVE else ""),
    )
    return redirect("portal:application", pk)


@citizen_required
@require_POST
def rate_rectification(request, pk: int, rating_id: int):
    application = _application_for(request, pk)
    rating = get_object_or_404(Rating, pk=rating_id, application=application)
    form = RatingForm(request.POST)
    if form.is_valid():
        level = form.cleaned_data["level"]
        run_action(
            request,
            lambda: rating_rate_rectification(
                phone=request.citizen_phone, rating=rating, level=level
            ),
            "谢谢您对整改的评价。",
        )
    else:
        messages.error(request, "请选择一个评价。")
    return redirect("portal:application", pk)


# --- status lookup without an account ------------------------------------------------------------
def lookup(request):
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not hit("lookup", client_ip(request), 10, 3600):
            messages.error(request, "查询次数太多，请 1 小时后再试，或带上回执到窗口查询。")
            return render(request, "portal/lookup.html", {"form": form})
        number = normalise(form.cleaned_data["tracking_no"])
        last6 = form.cleaned_data["id_last6"].upper()
        application = (
            Application.objects.filter(tracking_no=number).select_related("applicant").first()
            if number
            else None
        )
        matches = application is not None and application.applicant.id_number[-6:] == last6
        phone = application.applicant.phone if matches else ""
        if matches and phone:
            try:
                services.code_send(
                    phone=phone,
                    purpose=OneTimeCode.Purpose.LOOKUP,
                    ip=client_ip(request),
                    application=application,
                )
            except services.PortalError as exc:
                messages.error(request, str(exc))
                return render(request, "portal/lookup.html", {"form": form})
        # The same answer whether or not the details matched: numbers cannot be probed.
        request.session["lookup_phone"] = phone
        return redirect("portal:lookup_code")
    return render(request, "portal/lookup.html", {"form": form})


def lookup_code(request):
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = request.session.get("lookup_phone", "")
        try:
            if not phone:
                raise services.PortalError("验证码不正确，或信息不匹配。")
            otc = services.code_verify(
                phone=phone, purpose=OneTimeCode.Purpose.LOOKUP, code=form.cleaned_data["code"]
            )
        except services.PortalError as exc:
            form.add_error("code", str(exc))
        else:
            request.session["lookup_application"] = otc.application_id
            request.session["lookup_tracking"] = otc.application.tracking_no
            return redirect("portal:lookup_status")
    return render(request, "portal/lookup_code.html", {"form": form})


def lookup_status(request):
    pk = request.session.get("lookup_application")
    if not pk:
        return redirect("portal:lookup")
    latest = _latest_event(pk)
    # A page is the same for one visitor until the application changes (or the day, for the
    # countdown), so it is kept per session and CSRF cookie; never with one-off messages in it.
    key = ":".join(
        str(part)
        for part in (
            "portal-lookup",
            request.session.session_key,
            request.COOKIES.get(settings.CSRF_COOKIE_NAME),
            request.COOKIES.get(ELDER_COOKIE),
            pk,
            latest,
            f"{clock.today():%Y%m%d}",
        )
    )
    if not list(messages.get_messages(request)):
        page = cache.get(key)
        if page is not None:
            return HttpResponse(page)
    response = render(
        request,
        "portal/lookup_status.html",
        {
            "tracking_no": request.session.get("lookup_tracking", ""),
            "status_block": _status_block(pk, latest),
        },
    )
    if request.COOKIES.get(settings.CSRF_COOKIE_NAME):  # its form tokens hold for this cookie
        cache.set(key, response.content.decode(), timeout=3600)
    return response


def _latest_event(pk: int):
    # Plain SQL: this runs on every view of the page, and the ORM's compiling is most of its cost.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MAX(seq) FROM audit_auditevent WHERE subject_type = %s AND subject_id = %s",
            ["cases.application", str(pk)],
        )
        return cursor.fetchone()[0]


def _status_block(pk: int, latest) -> SafeString:
    """The read-only status block, rendered once per change of the application (and per day,
    for the countdown), and shared by every page that shows it."""
    key = f"portal-status:{pk}:{latest}:{clock.today():%Y%m%d}"
    block = cache.get(key)
    if block is None:
        application = get_object_or_404(Application.objects.select_related("applicant"), pk=pk)
        block = render_to_string(
            "portal/status.html", {**_status_context(application), "read_only": True}
        )
        cache.set(key, block, timeout=24 * 3600)
    # Our own template's output (every value in it was escaped when it was rendered).
    return mark_safe(block)  # noqa: S308


def dev_outbox(request):
    """Local use only: the text messages the console backend "sent"."""
    if not settings.DEBUG:
        raise Http404
    return render(
        request, "portal/dev_outbox.html", {"messages_sent": SmsMessage.objects.all()[:50]}
    )
