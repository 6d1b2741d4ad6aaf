"""Input for the People page: validated here, decided by people.transitions."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm

from procedures import workflow

from .transitions import ROLE_GROUPS

ROLE_CHOICES = [(name, name) for name in ROLE_GROUPS]


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, required=False, initial=["Readers"],
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    administrator = forms.BooleanField(
        required=False, help_text="Staff and superuser: the People page and Django's admin."
    )


class CodeForm(forms.Form):
    """A six-digit code from an authenticator app (spaces allowed: "123 456")."""

    code = forms.CharField(
        max_length=20, label="Code from your authenticator app",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
    )  # fmt: skip

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError("Type the six digits your app shows.")
        return code


class SecondFactorOffForm(forms.Form):
    """Proof that the person themself switches their second factor off: a code or the password."""

    code = forms.CharField(max_length=20, required=False, label="Code from your app")
    password = forms.CharField(
        required=False, label="or your password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("password"):
            raise forms.ValidationError("Give a code from your app or your password.")
        return data


class LocalResetForm(PasswordResetForm):
    """Django's reset form, mailing only accounts that may sign in with a password here
    (SOP_LOCAL_LOGIN); the page answers the same for every address."""

    def get_users(self, email):
        return (
            user for user in super().get_users(email) if workflow.may_sign_in_with_password(user)
        )
