"""Signing in with a text code, the signed-in person's page and their inbox."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onestop.benefits.selectors import payments_of
from onestop.core import clock
from onestop.core.language import MONGOLIAN, remember
from onestop.core.ratelimit import client_ip
from onestop.core.views import safe_next
from onestop.notices.services import EXPIRY_EVENT
from onestop.people.identifiers import mask_mobile
from onestop.people.selectors import language_of_phone

from .. import selectors, services
from ..forms import CodeForm, PhoneForm
from ..models import OneTimeCode
from .shared import citizen_required


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
            request.session["sign_in_next"] = safe_next(request)
            return redirect("portal:sign_in_code")
    return render(request, "portal/sign_in.html", {"form": form, "next": safe_next(request)})


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
            messages.success(request, gettext("新的验证码已发送，之前的验证码作废。"))
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
            response = redirect(target)
            if language_of_phone(phone) == MONGOLIAN:  # chosen on an earlier visit
                remember(response, MONGOLIAN)
            return response
    return render(
        request,
        "portal/sign_in_code.html",
        {"form": form, "masked": mask_mobile(phone), "minutes": services.CODE_MINUTES},
    )


@require_POST
def sign_out(request):
    request.session.flush()
    messages.info(request, gettext("您已退出。"))
    return redirect("portal:home")


@citizen_required
def me(request):
    phone = request.citizen_phone
    people = list(selectors.people_for(phone))
    due = selectors.renewals_due(people, clock.today())
    return render(
        request,
        "portal/me.html",
        {
            "people": people,
            "renewals": [(p, due[p.pk]) for p in people if p.pk in due],
            "today": clock.today(),
            "applications": selectors.applications_for(phone),
            "drafts": selectors.drafts_for(phone),
            "masked": mask_mobile(phone),
        },
    )


@citizen_required
def benefits(request):
    """What each person this number acts for receives, since when, and every payment."""
    found = payments_of(selectors.people_for(request.citizen_phone))
    return render(request, "portal/benefits.html", {"found": found})


@citizen_required
def inbox(request):
    """站内信: notices for everyone this number acts for, newest first. Reading them changes
    nothing; 全部标为已读 (a form) clears the 新消息 marks."""
    notices = selectors.inbox_for(request.citizen_phone)
    unread = [n.pk for n in notices if n.read_at is None]
    # A certificate reminder offers the 换证 itself, in the one form.
    renew = {n.pk for n in notices if n.event.startswith(EXPIRY_EVENT)}
    return render(
        request, "portal/inbox.html", {"notices": notices, "unread": unread, "renew": renew}
    )


@citizen_required
@require_POST
def inbox_read(request):
    ids = [int(v) for v in request.POST.getlist("notice") if v.isdigit()]
    services.inbox_mark_read(phone=request.citizen_phone, notice_ids=ids)
    return redirect("portal:inbox")
