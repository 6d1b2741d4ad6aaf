"""Forms of checklists: they validate input and nothing else."""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model

from .models import Client, Run
from .transitions import MAX_NOTE, MAX_REASON

EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


class CrispyForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ClientForm(CrispyForm):
    name = forms.CharField(max_length=Client._meta.get_field("name").max_length)
    code = forms.CharField(
        max_length=Client._meta.get_field("code").max_length, help_text="Short code, e.g. ACME."
    )
    external_id = forms.CharField(
        label="External id (PSA)", required=False,
        max_length=Client._meta.get_field("external_id").max_length,
    )  # fmt: skip


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class RunStartForm(CrispyForm):
    client = forms.ModelChoiceField(queryset=Client.objects.active())
    ticket = forms.CharField(
        label="Ticket reference", required=False,
        max_length=Run._meta.get_field("ticket").max_length,
    )  # fmt: skip
    assignee = forms.ModelChoiceField(queryset=_people(), required=False)
    due_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Optional."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _people()

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due is not None and not EARLIEST <= due <= LATEST:
            raise forms.ValidationError("Give a date between 2000 and 2100.")
        return due


class StepForm(forms.Form):
    ACTIONS = ["tick", "untick", "na", "note"]

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    note = forms.CharField(required=False, max_length=MAX_NOTE, strip=True)
    reason = forms.CharField(required=False, max_length=MAX_REASON, strip=True)


class ReasonForm(CrispyForm):
    reason = forms.CharField(
        max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}), strip=True
    )
