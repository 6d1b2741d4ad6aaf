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


class LocalResetForm(PasswordResetForm):
    """Django's reset form, mailing only accounts that may sign in with a password here
    (SOP_LOCAL_LOGIN); the page answers the same for every address."""

    def get_users(self, email):
        return (
            user for user in super().get_users(email) if workflow.may_sign_in_with_password(user)
        )
