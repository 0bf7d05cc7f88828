from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from onestop.core.admin_site import RoleAdmin

from .models import Person
from .selectors import persons_visible_to


@admin.register(Person)
class PersonAdmin(RoleAdmin):
    """Read-only and scoped; the ID number is masked (admins have no reveal right)."""

    list_display = ["name", "masked_id", "sex", "birth_date", "hukou_region", "dibao_category"]
    list_filter = ["dibao_category", "tekun_category"]
    search_fields = ["name"]
    readonly_fields = (
        "name",
        "masked_id",
        "sex",
        "birth_date",
        "hukou_region",
        "address",
        "phone",
        "dibao_category",
        "tekun_category",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return persons_visible_to(request.user)

    @admin.display(description="身份证号")
    def masked_id(self, obj: Person) -> str:
        return obj.id_number_masked
