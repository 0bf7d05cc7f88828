"""Form parts both screens (the portal and the workbench) build on."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy


class Form(forms.Form):
    """A form whose "required" messages name the field, in words a clerk can read aloud."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = format_lazy(gettext_lazy("请填写{}。"), field.label)


def translated(choices: Iterable[tuple[Any, str]]) -> list[tuple[Any, Any]]:
    """Choices whose labels are data texts (a model's choices, a table), shown in the reader's
    language; the recorded values and the API keep the Chinese."""
    return [(value, gettext_lazy(label)) for value, label in choices]
