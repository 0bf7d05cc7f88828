"""Form parts both screens use to take an application: a file checked when it arrives, and the
pre-screen's suggestions beside the matters (the portal and the workbench never import each
other, so these live with the cases they feed)."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop

from onestop.policy.matters import Matter as MatterType
from onestop.policy.matters import matter_label
from onestop.policy.verdict import Assessment, Outcome

from .materials import upload_check


class UploadField(forms.FileField):
    """A file checked when it arrives (size, and type by its content), so the error is shown at
    its own field and not after the whole form is submitted."""

    def __init__(self, *args: Any, slot: "str | Promise" = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slot = slot or self.label  # a lazy name is read in the language of the request

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload:
            content = upload.read()
            upload.seek(0)
            try:
                upload_check(content, upload.name)
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    gettext("{slot}：{problem}").format(slot=self.slot, problem=exc.messages[0])
                ) from None
        return upload


SUGGESTION = {
    Outcome.ELIGIBLE: gettext_noop("预审符合"),
    Outcome.PENDING: gettext_noop("预审待核实"),
}


def suggest_matters(
    field: forms.ChoiceField, assessments: Iterable[Assessment], *, renewal: bool = False
) -> None:
    """Mark the matters the pre-screen found possible. Only marked: nothing is ticked for the
    applicant, who chooses each matter. With ``renewal`` (a card due for 换证) the certificate
    is offered as 残疾人证换领, which the submission records."""
    outcomes = {str(a.matter.value): a.outcome for a in assessments}
    field.choices = [
        (v, _badged(gettext(matter_label(v, renewal=renewal)), outcomes.get(v)))
        for v in MatterType.values
    ]


def _badged(label: str, outcome: Outcome | None) -> str:
    if outcome not in SUGGESTION:
        return label
    return format_html(
        '{} <span class="badge outcome-{}">{}</span>',
        label,
        outcome.value,
        gettext(SUGGESTION[outcome]),
    )
