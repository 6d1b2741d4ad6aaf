"""Forms of checklists: they validate input and nothing else."""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model

from procedures.models import Procedure

from .models import Client, Run, Schedule
from .schedules import WEEKDAYS, WEEKS_OF_MONTH
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


class ProcedureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        section = obj.section
        return f"{obj.title} ({section.volume.number}.{section.numeral} {section.title})"


class ScheduleForm(CrispyForm):
    """A schedule's procedure, client (when it is made), recurrence, assignee and start.

    Any procedure id is read (so one without approved text gets the transition's clear
    refusal rather than "not one of the choices"); the list offers approved ones only."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.active(),
        error_messages={"invalid_choice": "That client does not exist or is archived."},
    )
    procedure = ProcedureChoiceField(
        queryset=Procedure.objects.all(),
        error_messages={"invalid_choice": "That procedure does not exist."},
    )
    frequency = forms.ChoiceField(
        label="Repeats", choices=Schedule.Frequency.choices, initial="monthly",
        error_messages={"invalid_choice": "Choose weekly or monthly: %(value)s can never occur."},
    )  # fmt: skip
    week_of_month = forms.TypedChoiceField(
        label="Which week (monthly)", coerce=int, initial=1,
        choices=[(n, name.capitalize()) for n, name in WEEKS_OF_MONTH.items()],
        help_text="Monthly only: e.g. the first Monday of each month, or the last Friday.",
        error_messages={
            "invalid_choice": "Choose the first, second, third, fourth or last week: "
            "week %(value)s of a month can never occur."
        },
    )  # fmt: skip
    weekday = forms.TypedChoiceField(
        label="Day", coerce=int, initial=0, choices=list(enumerate(WEEKDAYS)),
        error_messages={
            "invalid_choice": "Choose a day from Monday to Sunday: day %(value)s can never occur."
        },
    )  # fmt: skip
    assignee = forms.ModelChoiceField(queryset=_people(), required=False, help_text="Optional.")
    starts_on = forms.DateField(
        label="Starts on", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="No run for a period whose day comes before this date. Empty: this "
        "period's run too, at once if its day has passed.",
    )  # fmt: skip

    def __init__(self, *args, with_client: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_client:  # a schedule's client stays: end it and make one for another
            del self.fields["client"]
        self.fields["assignee"].queryset = _people()
        self.fields["procedure"].choices = [("", "---------")] + [
            (p.pk, self.fields["procedure"].label_from_instance(p))
            for p in Procedure.objects.filter(current_revision__isnull=False)
            .select_related("section__volume")
            .order_by("section__volume__number", "section__position", "position", "title")
        ]

    def clean_starts_on(self):
        starts = self.cleaned_data["starts_on"]
        if starts is not None and not EARLIEST <= starts <= LATEST:
            raise forms.ValidationError("Give a date between 2000 and 2100.")
        return starts
