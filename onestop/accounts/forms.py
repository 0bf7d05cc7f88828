from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy


class LoginForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's checks (old password, strength, match) with our labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = gettext_lazy("当前密码")
        self.fields["new_password1"].label = gettext_lazy("新密码")
        self.fields["new_password2"].label = gettext_lazy("再次输入新密码")
        self.fields["new_password1"].help_text = gettext_lazy(
            "至少 10 位，不能全是数字，不能与用户名相近或过于常见。"
        )

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("Use accounts.services.staff_password_change.")
