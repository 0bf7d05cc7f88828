from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from onestop.accounts.actors import Actor, staff_of
from onestop.core.admin_site import EditingAdmin, RoleAdmin, in_force_for
from onestop.regions.models import Region

from .holidays import HolidayFileError, parse_holiday_file
from .models import HolidayDay, HolidayNotice, RuleParameter
from .parameters import SPEC
from .services import holiday_notice_load, rule_parameter_check, rule_parameter_save

MAX_FILE_BYTES = 1_000_000


class HolidayUploadForm(forms.Form):
    file = forms.FileField(
        label="节假日安排文件（JSON）",
        help_text=(
            "与国务院办公厅通知一致的全年调整日期："
            "每项含 date、isOffDay（true 放假，false 调休上班）和 name。"
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError("文件过大，节假日安排文件不应超过 1 MB。")
        try:
            self.schedule = parse_holiday_file(upload.read())
        except HolidayFileError as exc:
            raise forms.ValidationError(f"文件有误，未导入：{exc}") from None
        return upload


class HolidayDayInline(admin.TabularInline):
    model = HolidayDay
    readonly_fields = ("date", "is_off", "name")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(RoleAdmin):
    list_display = ["year", "loaded_at", "loaded_by"]
    readonly_fields = ("year", "papers", "loaded_at", "loaded_by")
    fields = readonly_fields
    inlines = [HolidayDayInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def get_urls(self) -> list[URLPattern]:
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="holiday_upload"), *super().get_urls()]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return redirect("admin:holiday_upload")

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        form = HolidayUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            notice = holiday_notice_load(actor=staff_of(request), schedule=form.schedule)
            messages.success(request, f"已导入 {notice.year} 年节假日安排。")
            return redirect("admin:policy_holidaynotice_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "导入节假日安排",
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/holiday_upload.html", context)


class RuleParameterForm(forms.ModelForm):
    key = forms.ChoiceField(label="参数", choices=[(k, s.label) for k, s in SPEC.items()])
    value = forms.CharField(
        label="取值", help_text="金额填元（如 100），比例填小数（如 0.7），开关填“是”或“否”。"
    )

    class Meta:
        model = RuleParameter
        fields = ["key", "region", "valid_from", "valid_to", "value", "example", "note"]

    def __init__(self, *args: Any, actor: Actor = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        scope = getattr(actor, "scope", None)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = (
            scope.subtree() if scope else Region.objects.none()
        )
        if self.instance.pk:
            self.initial["value"] = self.instance.value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if {"key", "region", "valid_from"} <= set(data) and "value" in data:
            try:
                data["parsed"] = rule_parameter_check(
                    key=data["key"],
                    region=data["region"],
                    valid_from=data["valid_from"],
                    valid_to=data.get("valid_to"),
                    value=data["value"],
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(RuleParameter)
class RuleParameterAdmin(EditingAdmin):
    form = RuleParameterForm
    list_display = ["label", "region", "valid_from", "valid_to", "value", "example", "updated_by"]
    list_filter = ["key", "example"]
    list_select_related = ["region", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    @admin.display(description="参数", ordering="key")
    def label(self, obj: RuleParameter) -> str:
        return SPEC[obj.key].label if obj.key in SPEC else obj.key

    def get_queryset(self, request: HttpRequest) -> QuerySet[RuleParameter]:
        # In force in the admin's region: its ancestors' rows (read-only) and its subtree's.
        return in_force_for(super().get_queryset(request), staff_of(request).scope)

    def has_change_permission(self, request: HttpRequest, obj: RuleParameter | None = None) -> bool:
        scope = staff_of(request).scope if self.has_module_permission(request) else None
        if scope is None:
            return False
        return obj is None or scope.contains(obj.region)

    def save_model(
        self, request: HttpRequest, obj: RuleParameter, form: forms.Form, change: bool
    ) -> None:
        data = form.cleaned_data
        saved = rule_parameter_save(
            actor=staff_of(request),
            key=data["key"],
            region=data["region"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            value=data["value"],
            example=data.get("example", False),
            note=data.get("note", ""),
            parameter=RuleParameter.objects.get(pk=obj.pk) if change else None,
        )
        obj.pk = saved.pk
