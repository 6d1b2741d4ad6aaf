"""django-filter FilterSets: the procedure list's filters, all in the query string."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef

from .models import Procedure, Revision, Section, Volume

STATUS_APPROVED, STATUS_IN_REVIEW, STATUS_NOT_WRITTEN = "approved", "in_review", "not_written"
STATUS_CHOICES = [
    (STATUS_APPROVED, "Approved"),
    (STATUS_IN_REVIEW, "Has a revision in review"),
    (STATUS_NOT_WRITTEN, "Not yet written"),
]
SORT_BOOK = "book"
SORT_ORDERS = {
    SORT_BOOK: ("Book order", None),
    "title": ("Title", ["title", "pk"]),
    "-approved": (
        "Last approved",
        [F("current_revision__reviewed_at").desc(nulls_last=True), "pk"],
    ),
    "owner": ("Owner", [F("owner__username").asc(nulls_last=True), "title", "pk"]),
}


def section_key(section: Section) -> str:
    """Return a section's value in the query string, e.g. "3-ii"."""
    return f"{section.volume.number}-{section.numeral.lower()}"


def _section_choices():
    return [
        (section_key(section), f"{section.volume.number}.{section.numeral} {section.title}")
        for section in Section.objects.select_related("volume").order_by(
            "volume__number", "position"
        )
    ]


def _owners(request):
    return get_user_model().objects.filter(owned_procedures__isnull=False).distinct()


class ProcedureFilter(django_filters.FilterSet):
    title = django_filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label="Title contains",
        max_length=200,
    )
    volume = django_filters.ModelChoiceFilter(
        label="Volume",
        field_name="section__volume",
        to_field_name="number",
        queryset=Volume.objects.order_by("number"),
        empty_label="Any volume",
    )
    section = django_filters.ChoiceFilter(
        label="Section",
        choices=_section_choices,
        method="filter_section",
        empty_label="Any section",
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label="Any status",
    )
    owner = django_filters.ModelChoiceFilter(
        label="Owner",
        field_name="owner",
        to_field_name="username",
        queryset=_owners,
        empty_label="Any owner",
    )
    approved_after = django_filters.DateFilter(
        field_name="current_revision__reviewed_at__date",
        lookup_expr="gte",
        label="Approved since",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    approved_before = django_filters.DateFilter(
        field_name="current_revision__reviewed_at__date",
        lookup_expr="lte",
        label="Approved until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        choices=[(value, label) for value, (label, _) in SORT_ORDERS.items()],
        method="sort_by",
        empty_label=None,
        label="Sort by",
    )

    class Meta:
        model = Procedure
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.form.fields["sort"].required = False

    def filter_section(self, queryset, name, value):
        volume, _, numeral = value.partition("-")
        return queryset.filter(section__volume__number=volume, section__numeral=numeral.upper())

    def filter_status(self, queryset, name, value):
        if value == STATUS_APPROVED:
            return queryset.published()
        if value == STATUS_NOT_WRITTEN:
            return queryset.not_yet_written()
        return queryset.filter(in_review=True)

    def sort_by(self, queryset, name, value):
        # Sorting happens in filter_queryset, after every filter, so it is not undone.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        order = SORT_ORDERS.get(self.form.cleaned_data.get("sort") or SORT_BOOK)[1]
        return queryset.order_by(*order) if order else queryset.in_book_order()


def procedures_for_list():
    """Return the procedures in use with everything the list shows, annotated with
    `in_review` (archived ones are in no list)."""
    return (
        Procedure.objects.in_use()
        .with_place()
        .select_related("owner", "current_revision")
        .annotate(
            in_review=Exists(
                Revision.objects.filter(procedure=OuterRef("pk"), status=Revision.Status.IN_REVIEW)
            )
        )
    )
