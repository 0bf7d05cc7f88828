from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from onestop.core.admin_site import EditingAdmin

from . import services
from .actors import Actor, staff_of
from .models import StaffUser
from .selectors import staff_visible_to, units_visible_to


class StaffUserForm(forms.ModelForm):
    password = forms.CharField(
        label="密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="新建账号时必填；修改账号时留空表示不改密码。至少 10 位，不能全是数字。",
    )

    class Meta:
        model = StaffUser
        fields = ["username", "display_name", "role", "org_unit", "is_active"]

    def __init__(self, *args: Any, actor: Actor = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        cast(forms.ModelChoiceField, self.fields["org_unit"]).queryset = units_visible_to(actor)
        self.fields["org_unit"].required = True
        if self.instance.pk:
            self.fields["username"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.instance.pk and not data.get("password"):
            self.add_error("password", "新建账号必须设置初始密码。")
        elif data.get("password"):
            try:
                validate_password(data["password"], self.instance)
            except ValidationError as exc:
                self.add_error("password", exc)
        if data.get("role") and data.get("org_unit"):
            try:
                services.staff_user_check(
                    actor=self.actor,
                    role=data["role"],
                    org_unit=data["org_unit"],
                    user=self.instance if self.instance.pk else None,
                )
            except ValidationError as exc:
                self.add_error(None, exc)
            except PermissionDenied as exc:
                self.add_error("org_unit", str(exc))
        return data


@admin.register(StaffUser)
class StaffUserAdmin(EditingAdmin):
    form = StaffUserForm
    list_display = ["username", "display_name", "role", "org_unit", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "display_name"]
    readonly_fields = ["last_login", "locked_until"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffUser]:
        return staff_visible_to(request.user)

    def save_model(self, request: HttpRequest, obj: StaffUser, form: Any, change: bool) -> None:
        data = form.cleaned_data
        actor = staff_of(request)
        try:
            if change:
                services.staff_user_update(
                    actor=actor,
                    user=StaffUser.objects.get(pk=obj.pk),
                    display_name=data["display_name"],
                    role=data["role"],
                    org_unit=data["org_unit"],
                    is_active=data["is_active"],
                    password=data.get("password") or "",
                )
            else:
                user = services.staff_user_create(
                    actor=actor,
                    username=data["username"],
                    display_name=data["display_name"],
                    role=data["role"],
                    org_unit=data["org_unit"],
                    password=data["password"],
                )
                obj.pk = user.pk
        except ValidationError as exc:
            # The form ran the same checks; reaching here means a race with another admin.
            raise PermissionDenied("; ".join(exc.messages)) from exc
