"""Input for the People page: validated here, decided by people.transitions."""

from django import forms

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
