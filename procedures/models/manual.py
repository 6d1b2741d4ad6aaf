"""The manual's structure: volumes > sections > procedures, in book order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from django.utils import timezone


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
    default_template = models.TextField(
        blank=True,
        help_text="Markdown a new procedure of this section starts from (e.g. Purpose, Scope, "
        "Steps, Checklist, Escalation). Empty: new procedures start empty.",
    )

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

    def in_use(self) -> ProcedureQuerySet:
        """Return the procedures not archived: the ones contents, lists and search show."""
        return self.filter(archived_at__isnull=True)

    def archived(self) -> ProcedureQuerySet:
        return self.filter(archived_at__isnull=False)

    def published(self) -> ProcedureQuerySet:
        """Return the procedures in use that have an approved revision."""
        return self.in_use().filter(current_revision__isnull=False)

    def templates(self) -> ProcedureQuerySet:
        """Return the procedures marked as templates that have approved text to start from."""
        return self.published().filter(is_template=True).with_place().in_book_order()

    def not_yet_written(self) -> ProcedureQuerySet:
        return self.in_use().filter(current_revision__isnull=True)

    def for_reading(self) -> ProcedureQuerySet:
        """Return procedures with everything a reading page shows, in one query."""
        return self.with_place().select_related(
            "owner", "current_revision__author", "current_revision__reviewer", "archived_by"
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
    is_template = models.BooleanField(
        default=False,
        help_text="Offer its approved text as a template to start new procedures from.",
    )
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
    # Archived: out of the contents, lists and search, still readable by URL with a banner.
    # Set and cleared only by workflow.procedure_archive / procedure_unarchive.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    archive_reason = models.TextField(blank=True, editable=False)
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
            # Case only: the workflow also folds spacing (titles.title_key) and writes titles
            # with single spaces, so "Intro  notes" and "intro notes" meet here too.
            models.UniqueConstraint(
                F("section"),
                Lower("title"),
                name="procedure_title_unique_in_section",
                violation_error_message="This section already has a procedure with this title.",
            ),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True) | Q(archived_by__isnull=False),
                name="procedure_archived_has_who",
            ),
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
    def is_archived(self) -> bool:
        return self.archived_at is not None

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
