from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from onestop.core.language import remember
from onestop.core.views import safe_next

from . import services
from .forms import LoginForm, OwnPasswordChangeForm


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("workbench:home")
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_login(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except services.LoginRefused as exc:
            error = str(exc)
        else:
            response = redirect(safe_next(request) or "workbench:home")
            remember(response, user.language)  # the language chosen in an earlier session
            return response
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": safe_next(request)},
        status=200 if not error else 401,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.staff_logout(request=request)
    messages.info(request, "您已安全退出。")
    return redirect("accounts:login")


@sensitive_post_parameters()
@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.staff_password_change(
            request=request, new_password=form.cleaned_data["new_password1"]
        )
        messages.success(request, "密码已修改。")
        return redirect("workbench:home")
    return render(request, "accounts/password_change.html", {"form": form})
