from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from onestop.core import clock


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
        from onestop.policy.calendar import missing_years

        this_year = clock.today().year
        extra_context = {
            **(extra_context or {}),
            "missing_calendar_years": missing_years([this_year, this_year + 1]),
        }
        return super().index(request, extra_context)


class RoleAdmin(admin.ModelAdmin):
    """Read-only unless a subclass says otherwise; permission comes from the role, not Django's
    permission tables, so there is one source of truth for who may do what."""

    def has_module_permission(self, request) -> bool:
        return bool(getattr(request.user, "is_admin_role", False))

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EditingAdmin(RoleAdmin):
    """Adds and changes through a form that is given the acting admin (to scope its choices);
    ``save_model`` calls the services, and nothing related is edited here."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class BoundForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, actor=actor, **kw)

        return BoundForm

    def has_add_permission(self, request) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def save_related(self, request, form, formsets, change):
        """Nothing related is edited in these forms."""


def in_force_for(queryset, scope, field: str = "region"):
    """Rows whose region governs the admin's region or lies within it. Nested-set intervals
    either nest or are disjoint, so "overlaps" means "an ancestor or a descendant"."""
    if scope is None:
        return queryset.none()
    return queryset.filter(**{f"{field}__lft__lte": scope.rgt, f"{field}__rgt__gte": scope.lft})
