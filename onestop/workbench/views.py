from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from onestop.accounts.roles import OFFICER_ROLES, Role
from onestop.benefits.selectors import payee_account_of
from onestop.benefits.services import ACCOUNT_ROLES, payee_account_set
from onestop.cases.selectors import open_steps_for
from onestop.core import clock
from onestop.core.actions import run_action
from onestop.core.forms import Form
from onestop.people.identifiers import IdentifierError, parse_id_number
from onestop.people.selectors import (
    certificate_to_renew,
    person_get,
    persons_listed,
    persons_named,
    persons_visible_to,
)
from onestop.people.services import person_find_by_id_number, person_reveal_id

PAGE_SIZE = 20


@login_required
def home(request):
    user = request.user
    officer = user.role in OFFICER_ROLES
    return render(
        request,
        "workbench/home.html",
        {
            "scope_name": user.scope.full_name() if user.scope else "",
            "scope": user.scope,
            "open_count": open_steps_for(user).count() if officer else None,
        },
    )


SEARCH_LIMIT = 50


@login_required
def person_list(request):
    """GET lists everyone in scope, paginated; a search is POSTed so that ID numbers never end
    up in URLs, browser history or access logs."""
    visible = persons_visible_to(request.user)
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    context = {"query": query, "notice": ""}
    if not query:
        page = Paginator(persons_listed(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, results=page.object_list, total=page.paginator.count)
        return render(request, "workbench/person_list.html", context)
    if query[:1].isdigit():
        try:
            found = person_find_by_id_number(visible, parse_id_number(query).number)
        except IdentifierError as exc:
            context["notice"] = str(exc)
            found = None
        results = [found] if found else []
    else:
        results = persons_named(request.user, query, SEARCH_LIMIT)
    context.update(
        results=results[:SEARCH_LIMIT],
        total=len(results[:SEARCH_LIMIT]),
        truncated=len(results) > SEARCH_LIMIT,
        page=None,
    )
    return render(request, "workbench/person_list.html", context)


class PayeeAccountForm(Form):
    bank = forms.CharField(label=gettext_lazy("开户银行"), max_length=60)
    holder = forms.CharField(label=gettext_lazy("户名"), max_length=60)
    number = forms.CharField(
        label=gettext_lazy("账号（惠民惠农「一卡通」或银行卡）"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _person_page(request, person, revealed_id="", account_form=None, status=200):
    return render(
        request,
        "workbench/person_detail.html",
        {
            "person": person,
            "revealed_id": revealed_id,
            "guardians": person.guardians.all(),
            "certificates": person.certificates.all(),
            "renewal": certificate_to_renew(person, clock.today()),
            "may_take": request.user.role == Role.WINDOW_CLERK,
            "today": clock.today(),
            "account": payee_account_of(person),
            "account_form": account_form or PayeeAccountForm(initial={"holder": person.name}),
            "may_set_account": request.user.role in ACCOUNT_ROLES,
        },
        status=status,
    )


@login_required
@require_POST
def person_account(request, pk: int):
    """收款账户: recorded at the window or the county 民政局; a payment returned for a wrong
    account is paid again in the next roll."""
    person = person_get(request.user, pk)
    form = PayeeAccountForm(request.POST)
    if form.is_valid():
        done = run_action(
            request,
            lambda: payee_account_set(actor=request.user, person=person, **form.cleaned_data),
            gettext("收款账户已登记；此前退回的款项将在下次发放时重发。"),
        )
        if done:
            return redirect("workbench:person_detail", pk)
    return _person_page(request, person, account_form=form, status=400)


@login_required
def person_detail(request, pk: int):
    return _person_page(request, person_get(request.user, pk))


@login_required
@require_POST
def person_reveal(request, pk: int):
    person = person_get(request.user, pk)
    return _person_page(request, person, person_reveal_id(actor=request.user, person=person))
