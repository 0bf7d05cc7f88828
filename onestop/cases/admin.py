import json

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from onestop.core.admin_site import RoleAdmin
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import Region

from .chains import ChainError, parse_chain
from .models import ChainVersion
from .services import chain_version_create


class ChainVersionForm(forms.ModelForm):
    matter = forms.ChoiceField(label="事项", choices=MatterType.choices)
    definition = forms.CharField(
        label="流程定义（JSON）",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false"}),
        help_text=(
            "days 为事项总期限（工作日）；steps 中每个环节含 code、name、role（办理角色）、"
            "level（township 或 county）、days（环节期限）、outcomes（approve、reject、return、"
            "transfer）。保存后生成新版本，正在办理的事项仍按原版本。"
        ),
    )

    class Meta:
        model = ChainVersion
        fields = ["matter", "region", "definition"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = getattr(actor, "scope", None)
        self.fields["region"].queryset = (
            scope.subtree().exclude(level="township") if scope else Region.objects.none()
        )
        if not self.is_bound and self.instance.pk:
            self.initial["definition"] = json.dumps(
                self.instance.definition, ensure_ascii=False, indent=2
            )

    def clean_definition(self):
        try:
            return json.loads(self.cleaned_data["definition"])
        except ValueError as exc:
            raise forms.ValidationError(f"不是有效的 JSON：{exc}") from None

    def clean(self):
        data = super().clean()
        if "matter" in data and "definition" in data:
            try:
                parse_chain(data["matter"], data["definition"])
            except ChainError as exc:
                self.add_error("definition", str(exc))
        return data


@admin.register(ChainVersion)
class ChainVersionAdmin(RoleAdmin):
    """Chains are versioned: "change" shows a version; saving it adds a new one."""

    form = ChainVersionForm
    list_display = ["matter", "region", "version", "created_at", "created_by"]
    list_filter = ["matter"]
    list_select_related = ["region", "created_by"]

    def get_queryset(self, request):
        scope = request.user.scope
        qs = super().get_queryset(request)
        if scope is None:
            return qs.none()
        return qs.filter(region__lft__lte=scope.rgt, region__rgt__gte=scope.lft)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class BoundForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, actor=request.user, **kw)

        return BoundForm

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        # Opening a version pre-fills the form; saving creates the next version.
        return self.has_module_permission(request)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            created = chain_version_create(
                actor=request.user,
                matter=data["matter"],
                region=data["region"],
                definition=data["definition"],
            )
        except ChainError as exc:  # validated by the form; a race with another admin
            raise PermissionDenied(str(exc)) from exc
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        """Nothing related is edited here."""
