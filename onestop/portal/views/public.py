"""一网通办's public pages: home, guides, help lines, check first, 长辈版. Every page works without
JavaScript and in 长辈版."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onestop.core import clock
from onestop.core.ratelimit import client_ip, hit
from onestop.core.views import safe_next
from onestop.policy import registry
from onestop.policy.facts import Certificate, CertStatus, Dibao, Facts, Tekun
from onestop.policy.matters import Matter as MatterType
from onestop.policy.services import prescreen
from onestop.regions.services import county_hotlines

from .. import guides, selectors
from ..forms import CheckForm, tri
from .shared import ELDER_COOKIE


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
    response = redirect(safe_next(request) or "/portal/")
    if request.COOKIES.get(ELDER_COOKIE) == "1":
        response.delete_cookie(ELDER_COOKIE)
    else:
        response.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    return response


def check(request):
    form = CheckForm(request.POST or None)
    result = None
    if request.method == "POST":
        if not hit("portal-check", client_ip(request), settings.PRESCREEN_ANON_PER_MINUTE, 60):
            messages.error(request, gettext("查询太频繁了，请一分钟后再试。"))
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


def dev_outbox(request):
    """Local use only: the text messages the console backend "sent"."""
    if not settings.DEBUG:
        raise Http404
    return render(request, "portal/dev_outbox.html", {"messages_sent": selectors.texts_sent()})
