"""Reads of the manual for export: approved text only, in book order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.text import slugify

from attachments.models import Attachment, RevisionAttachment
from procedures.models import Procedure, Section, Volume

from .errors import NotFound


@dataclass
class Scope:
    """What one export holds: a title and the approved procedures, in book order."""

    title: str
    volume: Volume | None = None
    section: Section | None = None
    procedure: Procedure | None = None
    slug: str = "manual"
    procedures: list[Procedure] = field(default_factory=list)
    files: dict[int, list[Attachment]] = field(default_factory=dict)  # revision pk -> files


def scope_of(
    *, volume: int | None = None, section: str | None = None, slug: str | None = None
) -> Scope:
    """Return the approved procedures of the manual, a volume, a section or one procedure.

    Drafts, work in review and procedures never approved are left out: only each procedure's
    current (approved) revision is exported. Raises NotFound for a volume, section or
    procedure that does not exist."""
    procedures = Procedure.objects.published().for_reading().in_book_order()
    scope = Scope(title="The whole manual")
    if volume is not None:
        scope.volume = Volume.objects.filter(number=volume).first()
        if scope.volume is None:
            raise NotFound(f"There is no volume {volume}.", code="not_found")
        procedures = procedures.filter(section__volume=scope.volume)
        scope.title, scope.slug = f"Volume {volume}: {scope.volume.title}", f"volume-{volume}"
    if section is not None and scope.volume is not None:
        scope.section = scope.volume.sections.filter(numeral=section.upper()).first()
        if scope.section is None:
            raise NotFound(f"Volume {volume} has no section {section}.", code="not_found")
        procedures = procedures.filter(section=scope.section)
        scope.title = f"Section {scope.section.numeral} · {scope.section.title}"
        scope.slug = f"volume-{volume}-section-{scope.section.numeral.lower()}"
    if slug is not None and scope.section is not None:
        procedures = procedures.filter(slug=slug)
        scope.procedure = procedures.first()
        if scope.procedure is None:
            raise NotFound("There is no approved procedure of that name.", code="not_found")
        scope.title, scope.slug = scope.procedure.title, slugify(scope.procedure.title)
    scope.procedures = list(procedures)
    scope.files = files_of([p.current_revision_id for p in scope.procedures])
    return scope


def files_of(revision_ids: list[int]) -> dict[int, list[Attachment]]:
    """Return the files each revision's text refers to, in order of mention (one query)."""
    files: dict[int, list[Attachment]] = defaultdict(list)
    links = (
        RevisionAttachment.objects.filter(revision_id__in=revision_ids, in_text=True)
        .select_related("attachment")
        .order_by("revision_id", "position", "pk")
    )
    for link in links:
        files[link.revision_id].append(link.attachment)
    return dict(files)


def archive_path(procedure: Procedure) -> str:
    """Return where a procedure lies in a Markdown archive, without its extension, e.g.
    "01-front-office-mastery/02-finance/03-billing-procedures-and-policies"."""
    section = procedure.section
    volume = section.volume
    return (
        f"{volume.number:02d}-{slugify(volume.title) or 'volume'}/"
        f"{section.position:02d}-{slugify(section.title) or 'section'}/"
        f"{procedure.position:02d}-{procedure.slug}"
    )
