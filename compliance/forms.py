"""Forms of the review cycle: they validate input and nothing else."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from .models import MAX_COMMENT_LENGTH, MAX_INTERVAL_MONTHS


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
