import json
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from onestop.accounts.actors import Actor, staff_of
from onestop.core.admin_site import EditingAdmin, in_force_for
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import Region

from .chain_versions import chain_version_create
from .chains import ChainError, parse_chain
from .models import ChainVersion


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

    def __init__(self, *args: Any, actor: Actor = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = getattr(actor, "scope", None)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = (
            scope.subtree().exclude(level="township") if scope else Region.objects.none()
        )
        if not self.is_bound and self.instance.pk:
            self.initial["definition"] = json.dumps(
                self.instance.definition, ensure_ascii=False, indent=2
            )

    def clean_definition(self) -> Any:
        try:
            return json.loads(self.cleaned_data["definition"])
        except ValueError as exc:
            raise forms.ValidationError(f"不是有效的 JSON：{exc}") from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "matter" in data and "definition" in data:
            try:
                parse_chain(data["matter"], data["definition"])
            except ChainError as exc:
                self.add_error("definition", str(exc))
        return data


@admin.register(ChainVersion)
class ChainVersionAdmin(EditingAdmin):
    """Chains are versioned: "change" shows a version; saving it adds a new one."""

    form = ChainVersionForm
    list_display = ["matter", "region", "version", "created_at", "created_by"]
    list_filter = ["matter"]
    list_select_related = ["region", "created_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChainVersion]:
        return in_force_for(super().get_queryset(request), staff_of(request).scope)

    def save_model(
        self, request: HttpRequest, obj: ChainVersion, form: forms.Form, change: bool
    ) -> None:
        data = form.cleaned_data
        try:
            created = chain_version_create(
                actor=staff_of(request),
                matter=data["matter"],
                region=data["region"],
                definition=data["definition"],
            )
        except ChainError as exc:  # validated by the form; a race with another admin
            raise PermissionDenied(str(exc)) from exc
        obj.pk = created.pk
