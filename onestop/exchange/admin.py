"""Department systems in the back office: API keys and webhook subscriptions (each secret shown
once, when made), and the dead-letter list of deliveries with replay.

The subscriptions and deliveries are the outbox's models; they are configured here, beside the
keys, because both are set up for a department system by the same admin, under the same checks."""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse

from onestop.accounts.actors import Actor, Viewer, staff_of
from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.accounts.selectors import units_visible_to
from onestop.core.admin_site import RoleAdmin
from onestop.outbox.models import Delivery, OutboxEvent, Subscription
from onestop.regions.models import OrgUnit

from . import services
from .models import ApiKey

M = TypeVar("M", bound=Model)


def in_scope(queryset: QuerySet[M], user: Viewer, unit_field: str) -> QuerySet[M]:
    return queryset.filter(**{f"{unit_field}__in": units_visible_to(user)})


class UnitScopedForm(forms.Form):
    """A form whose units to choose from are the acting admin's."""

    def __init__(self, *args: Any, actor: Actor = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units_visible_to(actor)


class ApiKeyForm(UnitScopedForm):
    name = forms.CharField(label="系统名称", max_length=100, help_text="例如：海拉尔区医保经办系统")
    unit = forms.ModelChoiceField(label="所属单位", queryset=OrgUnit.objects.none())
    role = forms.ChoiceField(
        label="办理岗位",
        choices=[(r.value, r.label) for r in Role if r in services.DEPARTMENT_ROLES],
        help_text="接口以该岗位的身份办理，只能看到和办理本单位、本辖区的事项。",
    )


class SubscriptionForm(UnitScopedForm):
    unit = forms.ModelChoiceField(label="所属单位", queryset=OrgUnit.objects.none())
    url = forms.URLField(label="接收地址", max_length=200, assume_scheme="https")
    algorithm = forms.ChoiceField(label="签名算法", choices=Subscription.Algorithm.choices)
    topics = forms.MultipleChoiceField(
        label="订阅的事件",
        choices=OutboxEvent.Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选表示全部事件。",
    )


class SecretCreatingAdmin(RoleAdmin):
    """Adding runs a plain form through a service and shows the secret it returns on the
    response page itself: it is never stored in clear, in a message or in the session."""

    add_form: type[UnitScopedForm]
    shown_once_label: str

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def create(self, actor: StaffUser, data: dict[str, Any]) -> tuple[object, str]:
        raise NotImplementedError

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        actor = staff_of(request)
        form = self.add_form(request.POST or None, actor=actor)
        if request.method == "POST" and form.is_valid():
            try:
                obj, secret = self.create(actor, form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied as exc:
                form.add_error("unit", str(exc))
            else:
                context = {
                    **self.admin_site.each_context(request),
                    "title": f"已创建：{obj}",
                    "opts": self.model._meta,
                    "shown_once_label": self.shown_once_label,
                    "secret": secret,
                }
                return render(request, "admin/exchange_secret.html", context)
        context = {
            **self.admin_site.each_context(request),
            "title": f"新建{self.model._meta.verbose_name}",
            "opts": self.model._meta,
            "form": form,
        }
        return render(request, "admin/exchange_add.html", context)


def stop_each(
    modeladmin: "admin.ModelAdmin[Any]",
    request: HttpRequest,
    live: QuerySet[Any],
    *,
    action: str,
    question: str,
    consequence: str,
    stop: Callable[..., object],
    done: str,
) -> TemplateResponse | None:
    """An irreversible action: ask once more, listing what it will touch, then apply ``stop``
    to each through the services."""
    if request.POST.get("confirmed") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": question,
            "opts": modeladmin.model._meta,
            "objects": list(live),
            "action": action,
            "consequence": consequence,
        }
        return TemplateResponse(request, "admin/exchange_confirm.html", context)
    chosen = list(live)
    for obj in chosen:
        stop(actor=staff_of(request), obj=obj)
    modeladmin.message_user(request, done.format(n=len(chosen)), messages.SUCCESS)
    return None


@admin.register(ApiKey)
class ApiKeyAdmin(SecretCreatingAdmin):
    add_form = ApiKeyForm
    shown_once_label = "接口密钥"
    list_display = ["name", "prefix", "unit", "role", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["account__org_unit"]
    readonly_fields = ("name", "prefix", "unit", "role", "created_at", "last_used_at", "revoked_at")
    fields = readonly_fields
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        return in_scope(super().get_queryset(request), request.user, "account__org_unit")

    @admin.display(description="所属单位")
    def unit(self, obj: ApiKey) -> OrgUnit | None:
        return obj.account.org_unit

    @admin.display(description="办理岗位")
    def role(self, obj: ApiKey) -> str:
        return obj.account.get_role_display()

    def create(self, actor: StaffUser, data: dict[str, Any]) -> tuple[ApiKey, str]:
        return services.api_key_create(
            actor=actor, unit=data["unit"], role=data["role"], name=data["name"]
        )

    @admin.action(description="停用所选接口密钥")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> TemplateResponse | None:
        return stop_each(
            self,
            request,
            queryset.filter(revoked_at__isnull=True),
            action="revoke",
            question="确认停用这些接口密钥？",
            consequence="停用后使用这些密钥的系统立即无法调用接口，且不能恢复；需要时请新建密钥。",
            stop=lambda actor, obj: services.api_key_revoke(actor=actor, api_key=obj),
            done="已停用 {n} 个接口密钥。",
        )


@admin.register(Subscription)
class SubscriptionAdmin(SecretCreatingAdmin):
    add_form = SubscriptionForm
    shown_once_label = "签名密钥"
    list_display = ["unit", "url", "algorithm", "active", "created_at"]
    list_filter = ["active", "algorithm"]
    list_select_related = ["unit"]
    actions = ["deactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscription]:
        return in_scope(super().get_queryset(request), request.user, "unit")

    def create(self, actor: StaffUser, data: dict[str, Any]) -> tuple[Subscription, str]:
        return services.subscription_create(
            actor=actor,
            unit=data["unit"],
            url=data["url"],
            algorithm=data["algorithm"],
            topics=data["topics"],
        )

    @admin.action(description="停用所选订阅")
    def deactivate(
        self, request: HttpRequest, queryset: QuerySet[Subscription]
    ) -> TemplateResponse | None:
        return stop_each(
            self,
            request,
            queryset.filter(active=True),
            action="deactivate",
            question="确认停用这些事件订阅？",
            consequence="停用后不再向这些地址推送事件，尚未送达的推送也不再尝试。",
            stop=lambda actor, obj: services.subscription_deactivate(actor=actor, subscription=obj),
            done="已停用 {n} 个订阅。",
        )


@admin.register(Delivery)
class DeliveryAdmin(RoleAdmin):
    """The dead-letter list is the 多次失败 filter; replay sends from scratch."""

    list_display = ["event", "url", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status"]
    list_select_related = ["event", "subscription"]
    actions = ["replay"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return in_scope(super().get_queryset(request), request.user, "subscription__unit")

    @admin.display(description="接收地址")
    def url(self, obj: Delivery) -> str:
        return obj.subscription.url

    @admin.action(description="重新推送所选的失败事件")
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        dead = list(queryset.filter(status=Delivery.Status.DEAD).select_related("event"))
        for delivery in dead:
            services.delivery_replay(actor=staff_of(request), delivery=delivery)
        skipped = queryset.count() - len(dead)
        note = f"（{skipped} 条不是失败状态，未处理）" if skipped else ""
        self.message_user(request, f"已重新排队 {len(dead)} 条推送{note}。", messages.SUCCESS)
