"""The compliance report's filters, all in the query string so a report can be bookmarked:
group, volume, section, overdue only, and "as of" a past date or moment."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.contrib.auth.models import Group
from django.utils import timezone

from procedures.models import Procedure, Volume

from .filters import _section_choices

AS_OF_HELP = "A past day (to its end), or day and time: 2026-03-01, 2026-03-01 17:30."


class AsOfField(forms.CharField):
    """A past date (meaning the end of that day, local time) or a past date and time."""

    default_error_messages = {
        "invalid": "Enter a date as YYYY-MM-DD, or a date and time as YYYY-MM-DD HH:MM.",
        "future": "The report shows what the records say; pick a moment that has passed.",
    }

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return None
        try:
            if len(text) == 10:
                day = datetime.date.fromisoformat(text)
                moment = datetime.datetime.combine(day, datetime.time.max)
            else:
                moment = datetime.datetime.fromisoformat(text)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        except (ValueError, OverflowError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return moment

    def validate(self, value):
        super().validate(value)
        # A date names its whole day, today included; only later moments are refused.
        today_ends = datetime.datetime.combine(timezone.localdate(), datetime.time.max)
        if value is not None and value > timezone.make_aware(today_ends):
            raise forms.ValidationError(self.error_messages["future"], code="future")


class AsOfFilter(django_filters.Filter):
    field_class = AsOfField


def _keep(queryset, name, value):
    """The report reads these values itself (`ReportFilter.options`)."""
    return queryset


class ReportFilter(django_filters.FilterSet):
    group = django_filters.ModelChoiceFilter(
        label="Group", queryset=Group.objects.order_by("name"), method=_keep,
        empty_label="Everyone",
    )  # fmt: skip
    volume = django_filters.ModelChoiceFilter(
        label="Volume", field_name="section__volume", to_field_name="number",
        queryset=Volume.objects.order_by("number"), empty_label="Any volume",
    )  # fmt: skip
    section = django_filters.ChoiceFilter(
        label="Section", choices=_section_choices, method="filter_section",
        empty_label="Any section",
    )  # fmt: skip
    overdue = django_filters.ChoiceFilter(
        label="Show", choices=[("1", "Overdue only")], method=_keep, empty_label="All rows"
    )
    as_of = AsOfFilter(
        label="As of", method=_keep, help_text=AS_OF_HELP,
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM-DD"}),
    )  # fmt: skip

    class Meta:
        model = Procedure
        fields: list[str] = []

    def filter_section(self, queryset, name, value):
        volume, _, numeral = value.partition("-")
        return queryset.filter(section__volume__number=volume, section__numeral=numeral.upper())

    def options(self) -> dict:
        """Return the report's own options (`report.build` keywords) from valid filters."""
        data = self.form.cleaned_data
        group = data.get("group")
        return {
            "group_id": group.pk if group else None,
            "overdue_only": data.get("overdue") == "1",
            "as_of": data.get("as_of"),
        }
