"""Forms of the review cycle and of read acknowledgements: they validate input and nothing
else."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .models import MAX_COMMENT_LENGTH, MAX_DUE_DAYS, MAX_INTERVAL_MONTHS


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class OwnerForm(forms.Form):
    owner = UserChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label="Nobody",
        label="Owner",
        help_text="Answers for this procedure staying current; gets the review reminders.",
    )


class IntervalForm(forms.Form):
    interval_months = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INTERVAL_MONTHS,
        label="Review every (months)",
        help_text=f"1 to {MAX_INTERVAL_MONTHS}. Empty: the section's or the installation's.",
    )


class ConfirmForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_COMMENT_LENGTH,
        label="What you checked",
        help_text="The approved text was read and is still right; no new revision is made.",
    )


class AcknowledgementRuleForm(forms.Form):
    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who must acknowledge",
        help_text="None ticked: everyone who may read the manual.",
    )
    due_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DUE_DAYS,
        label="Within (days)",
        help_text=f"1 to {MAX_DUE_DAYS} days after a new revision is approved or after joining "
        "the group. Empty: no due date.",
    )


class AcknowledgeForm(forms.Form):
    """The revision the reader read ("I have read and understood revision N")."""

    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1)
