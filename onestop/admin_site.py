"""The configuration back office's site; each app registers its own admin classes."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from onestop.core import clock
from onestop.policy.calendar import missing_years


class OnestopAdminSite(admin.AdminSite):
    """The configuration back office: only for 系统管理员, always within their own region."""

    site_header = "扶残助困「一件事一次办」管理后台"
    site_title = "管理后台"
    index_title = "配置管理"
    index_template = "admin/onestop_index.html"

    def has_permission(self, request) -> bool:
        return bool(getattr(request.user, "is_admin_role", False))

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied("管理后台仅供系统管理员使用。")
        target = request.GET.get("next", reverse("admin:index"))
        return redirect(reverse("accounts:login") + "?" + urlencode({"next": target}))

    def index(self, request, extra_context=None):
        this_year = clock.today().year
        extra_context = {
            **(extra_context or {}),
            "missing_calendar_years": missing_years([this_year, this_year + 1]),
        }
        return super().index(request, extra_context)
