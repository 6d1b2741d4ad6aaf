"""The due-for-review list's filters, all in the query string so a view can be bookmarked."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model

from procedures.models import Procedure, Section, Volume


def _section_choices():
    return [
        (f"{s.volume.number}-{s.numeral.lower()}", f"{s.volume.number}.{s.numeral} {s.title}")
        for s in Section.objects.select_related("volume").order_by("volume__number", "position")
    ]


def _owners(request):
    return (
        get_user_model()
        .objects.filter(owned_procedures__isnull=False)
        .distinct()
        .order_by("username")
    )


class DueFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(
        label="Owner", field_name="owner", to_field_name="username", queryset=_owners,
        empty_label="Any owner",
    )  # fmt: skip
    volume = django_filters.ModelChoiceFilter(
        label="Volume", field_name="section__volume", to_field_name="number",
        queryset=Volume.objects.order_by("number"), empty_label="Any volume",
    )  # fmt: skip
    section = django_filters.ChoiceFilter(
        label="Section", choices=_section_choices, method="filter_section",
        empty_label="Any section",
    )  # fmt: skip

    class Meta:
        model = Procedure
        fields: list[str] = []

    def filter_section(self, queryset, name, value):
        volume, _, numeral = value.partition("-")
        return queryset.filter(section__volume__number=volume, section__numeral=numeral.upper())
