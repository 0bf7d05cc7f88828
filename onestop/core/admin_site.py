"""The base classes of every app's admin: permission comes from the role, not Django's tables.

The site itself, which shows screens' data on its index, is ``onestop.admin_site``."""

from typing import Any, Protocol

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest


class RoleAdmin(admin.ModelAdmin):
    """Read-only unless a subclass says otherwise; permission comes from the role, not Django's
    permission tables, so there is one source of truth for who may do what."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_admin_role", False))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EditingAdmin(RoleAdmin):
    """Adds and changes through a form that is given the acting admin (to scope its choices);
    ``save_model`` calls the services, and nothing related is edited here."""

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form_class: Any = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class BoundForm(form_class):
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, actor=actor, **kw)

        return BoundForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related is edited in these forms."""


class Interval(Protocol):
    lft: int
    rgt: int


def in_force_for(
    queryset: QuerySet[Any], scope: Interval | None, field: str = "region"
) -> QuerySet[Any]:
    """Rows whose region governs the admin's region or lies within it. Nested-set intervals
    either nest or are disjoint, so "overlaps" means "an ancestor or a descendant"."""
    if scope is None:
        return queryset.none()
    return queryset.filter(**{f"{field}__lft__lte": scope.rgt, f"{field}__rgt__gte": scope.lft})
