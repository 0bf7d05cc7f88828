"""差评 follow-up pages: the unit that caused it calls back, rectifies and answers; it may appeal;
the supervisor sees every open one and decides appeals. And 一次一评 at the window."""

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from onestop.accounts.roles import Role
from onestop.cases.selectors import applications_visible_to
from onestop.core import clock
from onestop.core.actions import run_action
from onestop.core.forms import Form
from onestop.ratings import services
from onestop.ratings.models import Rating
from onestop.ratings.selectors import followups_for, rating_visible_to


class AnswerForm(Form):
    answer = forms.CharField(
        label=gettext_lazy("回复申请人的内容（核实情况和整改措施）"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rectify_by = forms.DateField(
        label=gettext_lazy("整改期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@login_required
def rating_list(request):
    ratings = followups_for(request.user, show_all=request.GET.get("all") == "1")
    page = Paginator(ratings, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/ratings.html",
        {
            "page": page,
            "today": clock.today(),
            "show_all": request.GET.get("all") == "1",
            "mine": None if request.user.role == Role.SUPERVISOR else request.user.org_unit_id,
        },
    )


def _rating_for(user, pk) -> Rating:
    rating = rating_visible_to(user, pk)
    if rating is None:
        raise Http404(gettext("未找到该评价。"))
    return rating


@login_required
def rating_page(request, pk: int):
    rating = _rating_for(request.user, pk)
    named = list(rating.named_units.all())
    return render(
        request,
        "workbench/rating.html",
        {
            "rating": rating,
            "answer_form": AnswerForm(),
            "today": clock.today(),
            "own_unit": request.user.org_unit_id == rating.unit_id,
            "named_units": named,
            "named_unit": request.user.org_unit_id in {u.pk for u in named},
            "supervisor": request.user.role == Role.SUPERVISOR,
        },
    )


@login_required
@require_POST
def rating_act(request, pk: int, action: str):
    rating = _rating_for(request.user, pk)
    user, post = request.user, request.POST
    if action == "call":
        run_action(
            request,
            lambda: services.rating_call_back(actor=user, rating=rating, note=post.get("note", "")),
            gettext("已记录回访情况。"),
        )
    elif action == "answer":
        form = AnswerForm(post)
        rectify_by: date | None = form.cleaned_data["rectify_by"] if form.is_valid() else None
        run_action(
            request,
            lambda: services.rating_answer(
                actor=user, rating=rating, answer=post.get("answer", ""), rectify_by=rectify_by
            ),
            gettext("已回复申请人，申请人可以评价整改情况。"),
        )
    elif action == "appeal":
        run_action(
            request,
            lambda: services.rating_appeal(
                actor=user, rating=rating, reason=post.get("reason", "")
            ),
            gettext("申诉已提交，由监督员处理。"),
        )
    elif action == "decide":
        upheld = post.get("upheld") == "yes"
        run_action(
            request,
            lambda: services.rating_appeal_decide(
                actor=user, rating=rating, upheld=upheld, note=post.get("note", "")
            ),
            gettext("申诉已处理。"),
        )
    else:
        raise Http404
    return redirect("workbench:rating", pk)


@login_required
@require_POST
def window_rating(request, pk: int):
    """一次一评 at the counter, right after the visit."""
    application = get_object_or_404(applications_visible_to(request.user), pk=pk)
    try:
        level = int(request.POST.get("level", ""))
    except ValueError:
        level = 0
    run_action(
        request,
        lambda: services.rating_submit_window(
            actor=request.user,
            application=application,
            level=level,
            comment=request.POST.get("comment", ""),
        ),
        gettext("谢谢，本次评价已记录。"),
    )
    return redirect("workbench:receipt", pk)
