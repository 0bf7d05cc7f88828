"""Form parts both screens (the portal and the workbench) build on."""

from typing import Any

from django import forms


class Form(forms.Form):
    """A form whose "required" messages name the field, in words a clerk can read aloud."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = f"请填写{field.label}。"
