"""The officer's queue, and the search for an application."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from onestop.accounts.roles import OFFICER_ROLES
from onestop.cases.selectors import (
    QUEUE_TABS,
    QueueFilters,
    applications_search,
    queue_counts,
    queue_filtered,
)
from onestop.core import clock
from onestop.core.forms import translated
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import Level
from onestop.regions.selectors import regions_under

PAGE_SIZE = 20
SEARCH_LIMIT = 20


class QueueFilter(forms.Form):
    matter = forms.ChoiceField(
        label=gettext_lazy("事项"),
        required=False,
        choices=[("", gettext_lazy("全部")), *translated(MatterType.choices)],
    )
    township = forms.ChoiceField(label=gettext_lazy("户籍地"), required=False)
    due_from = forms.DateField(
        label=gettext_lazy("期限从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = forms.DateField(
        label=gettext_lazy("期限到"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("排序"),
        required=False,
        choices=[("due", gettext_lazy("期限由近到远")), ("-due", gettext_lazy("期限由远到近"))],
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        townships = regions_under(scope, Level.TOWNSHIP)
        self.fields["township"].choices = [("", gettext("全部"))] + [
            (r.code, r.name) for r in townships
        ]


@login_required
def queue_page(request):
    user = request.user
    if user.role not in OFFICER_ROLES:
        return redirect("workbench:home")
    tab = request.GET.get("tab", "mine")
    if tab not in QUEUE_TABS:
        raise Http404(gettext("没有这个标签页。"))
    filters = QueueFilter(request.GET or None, scope=user.scope)
    chosen = QueueFilters(**filters.cleaned_data) if filters.is_valid() else QueueFilters()
    steps = queue_filtered(user, tab, chosen)
    page = Paginator(steps, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = queue_counts(user)
    return render(
        request,
        "workbench/queue.html",
        {
            "tab": tab,
            "tabs": [(key, label, counts.get(key)) for key, label in QUEUE_TABS.items()],
            "page": page,
            "filters": filters,
            "today": clock.today(),
            "querystring": _querystring(request, exclude="page"),
        },
    )


@login_required
@require_POST
def search(request):
    """Searches are POSTed so an ID number never lands in a URL or an access log."""
    results, error = applications_search(request.user, request.POST.get("q", "").strip())
    results = list(results[:SEARCH_LIMIT])
    if len(results) == 1 and not error:
        return redirect("workbench:application", results[0].pk)
    return render(
        request,
        "workbench/search.html",
        {
            "results": results,
            "error": error or (gettext("没有找到符合的申请。") if not results else ""),
            "query": request.POST.get("q", ""),
        },
    )


def _querystring(request, exclude: str) -> str:
    params = request.GET.copy()
    params.pop(exclude, None)
    return params.urlencode()
