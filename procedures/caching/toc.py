"""The manual's table of contents, cached: volumes, sections and procedures in book order.

Every reading page needs its place in the book (the contents, a volume's or a section's list,
the previous and next procedure). Building that from the database each time cost most of a
page's time, so each process keeps the whole table of contents in memory as a `Book`, built
in three queries and reused until the manual's version (`versions.MANUAL`) changes.
Archived procedures are in no list and have no neighbours; `procedure()` still finds them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.urls import reverse

from ..models import Procedure, Section, Volume
from .versions import MANUAL, current


@dataclass(eq=False)
class ProcedureEntry:
    pk: int
    title: str
    slug: str
    url: str
    written: bool
    section: SectionEntry = field(repr=False)
    archived: bool = False
    template: bool = False  # offered as a template (Procedure.is_template)

    def get_absolute_url(self) -> str:
        return self.url

    def url_kwargs(self) -> dict:
        return {
            "volume": self.section.volume.number,
            "section": self.section.numeral,
            "slug": self.slug,
        }


@dataclass(eq=False)
class SectionEntry:
    pk: int
    numeral: str
    title: str
    url: str
    volume: VolumeEntry = field(repr=False)
    procedures: list[ProcedureEntry] = field(default_factory=list, repr=False)

    def get_absolute_url(self) -> str:
        return self.url


@dataclass(eq=False)
class VolumeEntry:
    number: int
    title: str
    url: str
    sections: list[SectionEntry] = field(default_factory=list, repr=False)

    def get_absolute_url(self) -> str:
        return self.url

    @property
    def procedure_count(self) -> int:
        return sum(len(section.procedures) for section in self.sections)

    @property
    def written_count(self) -> int:
        return sum(p.written for section in self.sections for p in section.procedures)


@dataclass(eq=False)
class Book:
    """The table of contents of one version of the manual."""

    # Keys of cached template fragments carry `version`, so none outlives a change.

    version: str
    volumes: list[VolumeEntry]
    procedures: list[ProcedureEntry]  # in book order
    # Archived procedures: in no list, but their pages still open by URL.
    archived: list[ProcedureEntry] = field(default_factory=list)

    def __post_init__(self):
        self._volumes = {volume.number: volume for volume in self.volumes}
        self._sections = {
            (volume.number, section.numeral): section
            for volume in self.volumes
            for section in volume.sections
        }
        self._position = {entry.pk: index for index, entry in enumerate(self.procedures)}
        self._places = {
            (entry.section.volume.number, entry.section.numeral, entry.slug): entry
            for entry in [*self.procedures, *self.archived]
        }

    def volume(self, number: int) -> VolumeEntry | None:
        return self._volumes.get(number)

    def section(self, volume: int, numeral: str) -> SectionEntry | None:
        return self._sections.get((volume, numeral))

    @property
    def written_count(self) -> int:
        """Return how many procedures have approved text."""
        return sum(p.written for p in self.procedures)

    def procedure(self, volume: int, numeral: str, slug: str) -> ProcedureEntry | None:
        return self._places.get((volume, numeral, slug))

    def entry(self, pk: int) -> ProcedureEntry | None:
        """Return the procedure in use with this id, or None (archived, or gone)."""
        index = self._position.get(pk)
        return None if index is None else self.procedures[index]

    def templates(self) -> list[ProcedureEntry]:
        """Return the templates with approved text, in book order (as
        `Procedure.objects.templates()`)."""
        return [p for p in self.procedures if p.template and p.written]

    def neighbours(self, pk: int) -> tuple[ProcedureEntry | None, ProcedureEntry | None]:
        """Return the procedures printed just before and just after procedure `pk`."""
        index = self._position.get(pk)
        if index is None:
            return None, None
        before = self.procedures[index - 1] if index > 0 else None
        after = self.procedures[index + 1] if index + 1 < len(self.procedures) else None
        return before, after


def build_book(version: str) -> Book:
    """Read the table of contents from the database (three queries)."""
    volumes = {
        number: VolumeEntry(
            number=number, title=title, url=reverse("procedures:volume", args=[number])
        )
        for number, title in Volume.objects.order_by("number").values_list("number", "title")
    }
    sections = {}
    for pk, volume_number, numeral, title in Section.objects.order_by(
        "volume__number", "position", "pk"
    ).values_list("pk", "volume__number", "numeral", "title"):
        volume = volumes[volume_number]
        section = SectionEntry(
            pk=pk,
            numeral=numeral,
            title=title,
            url=reverse("procedures:section", args=[volume_number, numeral]),
            volume=volume,
        )
        volume.sections.append(section)
        sections[pk] = section
    procedures = []
    archived = []
    rows = Procedure.objects.in_book_order().values_list(
        "pk", "title", "slug", "section_id", "current_revision_id", "archived_at", "is_template"
    )
    for pk, title, slug, section_id, current_revision_id, archived_at, template in rows:
        section = sections[section_id]
        entry = ProcedureEntry(
            pk=pk,
            title=title,
            slug=slug,
            url=reverse(
                "procedures:procedure", args=[section.volume.number, section.numeral, slug]
            ),
            written=current_revision_id is not None,
            section=section,
            archived=archived_at is not None,
            template=template,
        )
        if entry.archived:
            archived.append(entry)
            continue
        section.procedures.append(entry)
        procedures.append(entry)
    return Book(
        version=version, volumes=list(volumes.values()), procedures=procedures, archived=archived
    )


_latest: Book | None = None
_lock = threading.Lock()


def book() -> Book:
    """Return the current table of contents, from this process's memory when up to date."""
    global _latest
    version = current(MANUAL)
    latest = _latest
    if latest is not None and latest.version == version:
        return latest
    with _lock:
        if _latest is None or _latest.version != version:
            _latest = build_book(version)
        return _latest
