"""The status lookup without an account: tracking number, the ID number's last six, a code."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from onestop.benefits.selectors import payments_of, payments_version
from onestop.cases.tracking import normalise
from onestop.core import clock
from onestop.core.ratelimit import client_ip, hit

from .. import selectors, services
from ..forms import CodeForm, LookupForm
from ..models import OneTimeCode
from .applications import status_context
from .shared import ELDER_COOKIE

LOOKUP_RECENT = 6  # payments per benefit shown to a look-up; signed in, the page shows more


def lookup(request):
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not hit("lookup", client_ip(request), 10, 3600):
            messages.error(
                request, gettext("查询次数太多，请 1 小时后再试，或带上回执到窗口查询。")
            )
            return render(request, "portal/lookup.html", {"form": form})
        number = normalise(form.cleaned_data["tracking_no"])
        last6 = form.cleaned_data["id_last6"].upper()
        application = selectors.application_by_tracking(number) if number else None
        matches = application is not None and application.applicant.id_number[-6:] == last6
        phone = application.applicant.phone if application is not None and matches else ""
        if application is not None and matches and phone:
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
                raise services.PortalError(gettext("验证码不正确，或信息不匹配。"))
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
    latest = selectors.latest_event(pk)
    payments = payments_version(pk)
    # A page is the same for one visitor until the application or the applicant's payments
    # change (or the day, for the countdown), so it is kept per session and CSRF cookie; never
    # with one-off messages in it.
    key = ":".join(
        str(part)
        for part in (
            "portal-lookup",
            request.session.session_key,
            request.COOKIES.get(settings.CSRF_COOKIE_NAME),
            request.COOKIES.get(ELDER_COOKIE),
            get_language(),
            pk,
            latest,
            *payments,
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
            # What the applicant receives, briefly: the full record is behind signing in.
            "payments": payments_of(selectors.looked_up_applicant(pk), recent=LOOKUP_RECENT),
            "recent": LOOKUP_RECENT,
        },
    )
    if request.COOKIES.get(settings.CSRF_COOKIE_NAME):  # its form tokens hold for this cookie
        cache.set(key, response.content.decode(), timeout=3600)
    return response


def _status_block(pk: int, latest) -> SafeString:
    """The read-only status block, rendered once per change of the application (and per day,
    for the countdown) in each language, and shared by every page that shows it."""
    key = f"portal-status:{pk}:{latest}:{clock.today():%Y%m%d}:{get_language()}"
    block = cache.get(key)
    if block is None:
        application = selectors.looked_up_application(pk)
        if application is None:
            raise Http404
        block = render_to_string(
            "portal/status.html", {**status_context(application), "read_only": True}
        )
        cache.set(key, block, timeout=24 * 3600)
    # Our own template's output (every value in it was escaped when it was rendered).
    return mark_safe(block)  # noqa: S308
