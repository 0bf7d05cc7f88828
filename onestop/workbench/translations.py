"""翻译审校: the 系统管理员 confirms or corrects the Mongolian of each message, without a deploy."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onestop.accounts.actors import staff_of
from onestop.accounts.models import StaffUser
from onestop.core.actions import run_action
from onestop.lang.selectors import phrases, review_counts
from onestop.lang.services import phrase_review


def _admin(request: HttpRequest) -> StaffUser:
    user = staff_of(request)
    if not user.is_admin_role:
        raise PermissionDenied(gettext("只有系统管理员可以审校译文。"))
    return user


@login_required
def translation_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    reviewed = request.GET.get("state") == "reviewed"
    query = request.GET.get("q", "")[:100]
    page = Paginator(phrases(awaiting=not reviewed, query=query), 30).get_page(
        request.GET.get("page")
    )
    awaiting, done = review_counts()
    params = {k: v for k, v in (("state", "reviewed" if reviewed else ""), ("q", query)) if v}
    return render(
        request,
        "workbench/translations.html",
        {
            "page": page,
            "reviewed": reviewed,
            "query": query,
            "awaiting": awaiting,
            "done": done,
            "querystring": urlencode(params),
        },
    )


@login_required
@require_POST
def translation_review(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    msgid, text = request.POST.get("msgid", ""), request.POST.get("text", "")
    run_action(
        request,
        lambda: phrase_review(actor=user, msgid=msgid, text=text),
        gettext("已审校：{text}").format(text=msgid[:30]),
    )
    back = request.POST.get("back", "")
    return redirect(reverse("workbench:translations") + (f"?{back}" if back else ""))
