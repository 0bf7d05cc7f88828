from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from onestop.core.admin_site import RoleAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(RoleAdmin):
    list_display = [
        "id",
        "chain",
        "seq",
        "at",
        "action_label",
        "actor",
        "org_unit",
        "subject_type",
        "subject_id",
    ]
    list_filter = ["action"]
    search_fields = ["subject_id", "actor__username"]
    list_select_related = ["actor", "org_unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        scope = getattr(request.user, "scope", None)
        qs = super().get_queryset(request)
        if scope is None:
            return qs.none()
        in_scope = qs.filter(
            org_unit__region__lft__gte=scope.lft, org_unit__region__lft__lte=scope.rgt
        )
        if scope.parent_id is None:
            # System events (no acting unit) are visible only at the top of the tree.
            return in_scope | qs.filter(org_unit__isnull=True)
        return in_scope
