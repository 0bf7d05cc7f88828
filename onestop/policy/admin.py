from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path

from onestop.core.admin_site import RoleAdmin

from .holidays import HolidayFileError, parse_holiday_file
from .models import HolidayDay, HolidayNotice
from .services import holiday_notice_load

MAX_FILE_BYTES = 1_000_000


class HolidayUploadForm(forms.Form):
    file = forms.FileField(
        label="节假日安排文件（JSON）",
        help_text=(
            "与国务院办公厅通知一致的全年调整日期："
            "每项含 date、isOffDay（true 放假，false 调休上班）和 name。"
        ),
    )

    def clean_file(self):
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
    fields = ["date", "is_off", "name"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(RoleAdmin):
    list_display = ["year", "loaded_at", "loaded_by"]
    fields = ["year", "papers", "loaded_at", "loaded_by"]
    readonly_fields = fields
    inlines = [HolidayDayInline]

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="holiday_upload"), *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:holiday_upload")

    def upload_view(self, request):
        form = HolidayUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            notice = holiday_notice_load(actor=request.user, schedule=form.schedule)
            messages.success(request, f"已导入 {notice.year} 年节假日安排。")
            return redirect("admin:policy_holidaynotice_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "导入节假日安排",
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/holiday_upload.html", context)
