"""The manual: volumes > sections > procedures, each a chain of Markdown revisions.

Readers see `Procedure.current_revision`, the one approved revision. Every change of a
revision's status happens in `procedures.workflow`; the rules the database can hold
(one approved revision per procedure, status values, the fields a status needs) it holds.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from .markdown import render_markdown


class VolumeManager(models.Manager):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class Volume(models.Model):
    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)

    objects = VolumeManager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="volume_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Volume {self.number}: {self.title}"

    def natural_key(self):
        return (self.number,)

    def get_absolute_url(self) -> str:
        return reverse("procedures:volume", kwargs={"volume": self.number})


class SectionManager(models.Manager):
    def get_by_natural_key(self, volume_number, numeral):
        return self.get(volume__number=volume_number, numeral=numeral)


class Section(models.Model):
    volume = models.ForeignKey(Volume, on_delete=models.PROTECT, related_name="sections")
    numeral = models.CharField(
        max_length=10, help_text="Roman numeral as printed, upper case (e.g. II)."
    )
    title = models.CharField(max_length=200, help_text='Without the "Section II -" prefix.')
    position = models.PositiveIntegerField(help_text="Order within the volume.")

    objects = SectionManager()

    class Meta:
        ordering = ["volume__number", "position"]
        constraints = [
            models.UniqueConstraint(fields=["volume", "numeral"], name="section_numeral_unique"),
            models.CheckConstraint(
                condition=Q(numeral=Upper("numeral")) & ~Q(numeral=""),
                name="section_numeral_upper_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volume.number}.{self.numeral} {self.title}"

    def natural_key(self):
        return (self.volume.number, self.numeral)

    natural_key.dependencies = ["procedures.volume"]

    def get_absolute_url(self) -> str:
        return reverse(
            "procedures:section", kwargs={"volume": self.volume.number, "section": self.numeral}
        )


def _after_q(procedure: Procedure) -> Q:
    """Match procedures that come after `procedure` in book order."""
    volume, section = procedure.section.volume.number, procedure.section.position
    return (
        Q(section__volume__number__gt=volume)
        | Q(section__volume__number=volume, section__position__gt=section)
        | Q(
            section__volume__number=volume,
            section__position=section,
            position__gt=procedure.position,
        )
        | Q(
            section__volume__number=volume,
            section__position=section,
            position=procedure.position,
            pk__gt=procedure.pk,
        )
    )


class ProcedureQuerySet(models.QuerySet):
    def in_book_order(self) -> ProcedureQuerySet:
        """Return the procedures in the order the book prints them."""
        return self.order_by("section__volume__number", "section__position", "position", "pk")

    def with_place(self) -> ProcedureQuerySet:
        """Return the procedures with their section and volume fetched in the same query."""
        return self.select_related("section__volume")

    def published(self) -> ProcedureQuerySet:
        """Return the procedures that have an approved revision."""
        return self.filter(current_revision__isnull=False)

    def not_yet_written(self) -> ProcedureQuerySet:
        return self.filter(current_revision__isnull=True)

    def for_reading(self) -> ProcedureQuerySet:
        """Return procedures with everything a reading page shows, in one query."""
        return self.with_place().select_related(
            "owner", "current_revision__author", "current_revision__reviewer"
        )

    def before(self, procedure: Procedure) -> ProcedureQuerySet:
        """Return the procedures printed before this one, in book order."""
        return self.filter(~Q(pk=procedure.pk) & ~_after_q(procedure)).in_book_order()

    def after(self, procedure: Procedure) -> ProcedureQuerySet:
        """Return the procedures printed after this one, in book order."""
        return self.filter(_after_q(procedure)).in_book_order()

    def get_by_natural_key(self, volume_number, numeral, slug):
        return self.get(section__volume__number=volume_number, section__numeral=numeral, slug=slug)


class Procedure(models.Model):
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="procedures")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=False)
    position = models.PositiveIntegerField(help_text="Order within the section.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_procedures",
        help_text="Answers for this procedure staying current.",
    )
    current_revision = models.ForeignKey(
        "Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The approved revision readers see; empty until one is approved.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        ordering = ["section__volume__number", "section__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "slug"], name="procedure_slug_unique_in_section"
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="procedure_slug_not_empty"),
        ]
        indexes = [models.Index(fields=["section", "position"], name="procedure_book_order")]

    def __str__(self) -> str:
        return self.title

    def natural_key(self):
        return (*self.section.natural_key(), self.slug)

    natural_key.dependencies = ["procedures.section"]

    def get_absolute_url(self) -> str:
        return reverse("procedures:procedure", kwargs=self.url_kwargs())

    def url_kwargs(self) -> dict:
        """Return the URL keywords (volume, section, slug) that name this procedure."""
        return {
            "volume": self.section.volume.number,
            "section": self.section.numeral,
            "slug": self.slug,
        }

    @property
    def place(self) -> str:
        """Return where the procedure stands in the book, e.g. "Vol. 3 · II"."""
        return f"Vol. {self.section.volume.number} · {self.section.numeral}"

    @property
    def path(self) -> str:
        """Return the path wiki links name it by, e.g. "3/ii/final-friday-training"."""
        return f"{self.section.volume.number}/{self.section.numeral.lower()}/{self.slug}"

    def linked_from(self) -> ProcedureQuerySet:
        """Return the procedures whose approved text links here, in book order."""
        return (
            Procedure.objects.filter(outgoing_links__target=self)
            .exclude(pk=self.pk)
            .distinct()
            .with_place()
            .in_book_order()
        )


class RevisionQuerySet(models.QuerySet):
    def awaiting_review(self) -> RevisionQuerySet:
        """Return the revisions awaiting review, oldest submission first."""
        return (
            self.filter(status=Revision.Status.IN_REVIEW)
            .select_related("procedure__section__volume", "author")
            .order_by("submitted_at", "pk")
        )

    def drafts(self) -> RevisionQuerySet:
        return self.filter(status=Revision.Status.DRAFT)

    def open(self) -> RevisionQuerySet:
        """Return drafts and revisions in review: work not yet decided."""
        return self.filter(status__in=Revision.OPEN_STATUSES)


class Revision(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    OPEN_STATUSES = (Status.DRAFT, Status.IN_REVIEW)
    DECIDED_STATUSES = (Status.APPROVED, Status.REJECTED, Status.SUPERSEDED)

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="Sequential per procedure, from 1.")
    body = models.TextField(blank=True, help_text="Markdown source.")
    body_html = models.TextField(blank=True, editable=False, help_text="Sanitised HTML of body.")
    toc_html = models.TextField(blank=True, editable=False, help_text="In-page contents list.")
    summary = models.CharField(max_length=300, blank=True, help_text="What changed and why.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_revisions"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The approved revision this one started from (empty for a first draft).",
    )
    # Bumped on every save of a draft; an edit form carries the version it was opened on,
    # so a save from a stale form is refused instead of overwriting newer text.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_revisions",
    )
    review_comment = models.TextField(blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["procedure", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="revision_number_unique"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="approved"),
                name="revision_one_approved_per_procedure",
            ),
            models.UniqueConstraint(
                fields=["procedure", "author"],
                condition=Q(status="draft"),
                name="revision_one_draft_per_author",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "in_review", "approved", "rejected", "superseded"]
                ),
                name="revision_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="in_review") | Q(submitted_at__isnull=False),
                name="revision_in_review_has_submitted_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "superseded", "rejected"])
                | (Q(reviewer__isnull=False) & Q(reviewed_at__isnull=False)),
                name="revision_decided_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_comment=""),
                name="revision_rejected_has_comment",
            ),
        ]
        permissions = [("approve_revision", "Can approve or reject revisions")]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="revision_review_queue"),
            models.Index(fields=["author", "status"], name="revision_by_author"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure} r{self.number} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        # body_html is a cache of body, kept in step wherever the body is written, so that
        # reading a page renders no Markdown.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.render()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html", "toc_html"}
        super().save(*args, **kwargs)

    def render(self) -> None:
        """Render body into body_html and toc_html."""
        rendered = render_markdown(self.body, source_procedure_id=self.procedure_id)
        self.body_html = rendered.html
        self.toc_html = rendered.toc_html

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def url_kwargs(self) -> dict:
        """Return the URL keywords (volume, section, slug, number) that name this revision."""
        return {**self.procedure.url_kwargs(), "number": self.number}

    def get_absolute_url(self) -> str:
        return reverse("procedures:revision", kwargs=self.url_kwargs())


class RevisionEvent(models.Model):
    """One line of a procedure's audit trail: who did what to which revision, and when."""

    class Action(models.TextChoices):
        CREATED = "created", "Draft started"
        SAVED = "saved", "Draft saved"
        SUBMITTED = "submitted", "Submitted for review"
        WITHDRAWN = "withdrawn", "Withdrawn to draft"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"
        RESTORED = "restored", "Restored as new draft"
        MERGED = "merged", "Brought up to date"
        DISCARDED = "discarded", "Draft discarded"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="events")
    # SET_NULL: discarding a draft keeps the trail of what happened to it.
    revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    revision_number = models.PositiveIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="revision_events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Revision.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Revision.Status.choices, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["procedure", "created_at"], name="event_by_procedure")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"


class ProcedureLink(models.Model):
    """A `[[wiki link]]` in a procedure's approved text, and the procedure it resolved to.

    Kept in step with the approved text by `procedures.search.index_procedure` (called on
    approval) and re-resolved by `wikilinks.refresh_links` / `manage.py rebuild_search_index`.
    `target_key` is the normalised link text, so links to a procedure that does not exist yet
    (target empty) can be found and mended once it does.
    """

    source = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="outgoing_links")
    target_key = models.CharField(max_length=300, help_text="Normalised text inside [[ ]].")
    target = models.ForeignKey(
        Procedure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incoming_links",
        help_text="Empty while the link is broken or ambiguous.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target_key"], name="link_once_per_source"),
        ]
        indexes = [models.Index(fields=["target_key"], name="link_by_target_key")]

    def __str__(self) -> str:
        return f"{self.source_id} -> [[{self.target_key}]]"


class SearchEntry(models.Model):
    """PostgreSQL only: one row per procedure, its title and approved text as plain text, and
    a stored, GIN-indexed search vector (title weighted A, body B) the database computes.

    The table exists only on PostgreSQL (migration 0003 creates it per database vendor; on
    SQLite an FTS5 table plays this part); use it only through `procedures.search`. Rows
    follow procedures through database triggers (insert, title change, delete), so a
    procedure loaded from a fixture or added in the admin is found by its title at once;
    `search.index_procedure` writes the approved body.
    """

    procedure = models.OneToOneField(
        Procedure, on_delete=models.DO_NOTHING, primary_key=True, related_name="+"
    )
    title = models.TextField()
    body = models.TextField(blank=True)
    vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # Small, so "does the title match?" costs next to nothing per row.
    title_vector = models.GeneratedField(
        expression=SearchVector("title", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        # Tells Django (test serialisation, flush, schema operations) the table is
        # PostgreSQL's alone.
        required_db_vendor = "postgresql"
        indexes = [GinIndex(fields=["vector"], name="search_entry_vector")]

    def __str__(self) -> str:
        return self.title
