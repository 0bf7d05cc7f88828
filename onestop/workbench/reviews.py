"""定期复核: the township 民政 officer (or, for a person whose 户籍 left the county, the county
民政局) confirms or stops each person the county reviews."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from onestop.accounts.actors import staff_of
from onestop.benefits.reviews import may_decide, review_decide
from onestop.benefits.selectors import review_item_for, review_items_for
from onestop.core import clock
from onestop.core.actions import run_action
from onestop.core.forms import Form


class ReviewForm(Form):
    keep = forms.ChoiceField(
        label=gettext_lazy("复核结论"),
        choices=[("yes", gettext_lazy("继续享受")), ("no", gettext_lazy("停止享受（自下月起）"))],
        initial="yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("复核意见（停止享受时必填）"), required=False, max_length=200
    )


def _prefix(pk: int) -> str:
    return f"review-{pk}"


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user = staff_of(request)
    show_all = request.GET.get("all") == "1"
    page = Paginator(review_items_for(user, show_all=show_all), 20).get_page(
        request.GET.get("page")
    )
    rows = [
        (item, ReviewForm(prefix=_prefix(item.pk)) if may_decide(user, item) else None)
        for item in page.object_list
    ]
    return render(
        request,
        "workbench/reviews.html",
        {
            "page": page,
            "rows": rows,
            "show_all": show_all,
            "querystring": "all=1" if show_all else "",
            "today": clock.today(),
        },
    )


@login_required
@require_POST
def review_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_of(request)
    item = review_item_for(user, pk)
    if item is None:
        raise Http404(gettext("未找到该复核对象。"))
    form = ReviewForm(request.POST, prefix=_prefix(pk))
    valid = form.is_valid()
    keep = valid and form.cleaned_data["keep"] == "yes"
    note = form.cleaned_data["note"] if valid else ""
    run_action(
        request,
        lambda: review_decide(actor=user, item=item, keep=keep, note=note),
        (
            gettext("已记录：{name}继续享受。")
            if keep
            else gettext("已记录：{name}自下月起停止享受。")
        ).format(name=item.entitlement.person.name),
    )
    return redirect("workbench:reviews")
