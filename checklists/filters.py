"""The runs list's filters, all in the query string (bookmarkable)."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from procedures.models import Procedure

from .models import Client, Run

STATUS_OVERDUE = "overdue"
STATUS_CHOICES = [
    (Run.Status.OPEN, "Open"),
    (STATUS_OVERDUE, "Overdue"),
    (Run.Status.COMPLETED, "Completed"),
    (Run.Status.ABANDONED, "Abandoned"),
]
DATE = forms.DateInput(attrs={"type": "date"})


class RunFilter(django_filters.FilterSet):
    # EXISTS rather than a join and DISTINCT: one index probe per procedure, not per run.
    procedure = django_filters.ModelChoiceFilter(
        queryset=Procedure.objects.filter(Exists(Run.objects.filter(procedure=OuterRef("pk"))))
        .only("pk", "title")
        .order_by("title")
    )
    client = django_filters.ModelChoiceFilter(queryset=Client.objects.all())
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status")
    assignee = django_filters.ModelChoiceFilter(
        queryset=get_user_model()
        .objects.filter(Exists(Run.objects.filter(assignee=OuterRef("pk"))))
        .order_by("username")
    )
    started_after = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", label="Started from", widget=DATE
    )
    started_before = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__lte", label="Started until", widget=DATE
    )

    class Meta:
        model = Run
        fields = ["procedure", "client", "status", "assignee", "started_after", "started_before"]

    def filter_status(self, queryset, name, value):
        if value == STATUS_OVERDUE:
            return queryset.overdue(timezone.localdate())
        return queryset.filter(status=value)
