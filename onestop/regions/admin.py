from django.contrib import admin

from onestop.core.admin_site import RoleAdmin

from .models import OrgUnit, Region


@admin.register(Region)
class RegionAdmin(RoleAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(OrgUnit)
class OrgUnitAdmin(RoleAdmin):
    list_display = ["code", "name", "department", "region", "address"]
    list_filter = ["department"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]
