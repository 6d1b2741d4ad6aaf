"""The manual's table of contents, cached: volumes, sections and procedures in book order.

Every reading page needs its place in the book (the contents, a volume's or a section's list,
the previous and next procedure). Building that from the database each time cost most of a
page's time, so each process keeps the whole table of contents in memory as a `Book`, built
in three queries and reused until the manual changes.

The cache key is a version kept in Django's default cache (shared by all worker processes):
`manual_changed()` replaces it whenever anything a reading page shows is saved or deleted: a
volume, section or procedure, an approved revision, a user (names of owners and approvers).
Signals below do it, so the admin, loaddata and the workflow are all covered; once at once
and once more after the transaction commits, so that a reader who read old rows meanwhile
cannot keep them under the new version. A bulk `QuerySet.update()` sends no signal: code
that updates these models in bulk must call `manual_changed()` itself.

The templates cache their fragments (lists, a procedure's approved text) under keys carrying
the version. Only approved text is ever cached; a draft's save changes no version.

Work in review (`in_review()`: which procedures have a newer revision waiting, its number
and author, never its text) is cached the same way under a second version, which every save
or deletion of any revision replaces.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse

from .models import Procedure, Revision, Section, Volume

VERSION_KEY = "procedures:manual-version"
WORK_VERSION_KEY = "procedures:work-version"


@dataclass(eq=False)
class ProcedureEntry:
    pk: int
    title: str
    slug: str
    url: str
    written: bool
    section: SectionEntry = field(repr=False)

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


@dataclass(eq=False)
class Book:
    """The table of contents of one version of the manual."""

    # Keys of cached template fragments carry `version`, so none outlives a change.

    version: str
    volumes: list[VolumeEntry]
    procedures: list[ProcedureEntry]  # in book order

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
            for entry in self.procedures
        }

    def volume(self, number: int) -> VolumeEntry | None:
        return self._volumes.get(number)

    def section(self, volume: int, numeral: str) -> SectionEntry | None:
        return self._sections.get((volume, numeral))

    def procedure(self, volume: int, numeral: str, slug: str) -> ProcedureEntry | None:
        return self._places.get((volume, numeral, slug))

    def neighbours(self, pk: int) -> tuple[ProcedureEntry | None, ProcedureEntry | None]:
        """Return the procedures printed just before and just after procedure `pk`."""
        index = self._position.get(pk)
        if index is None:
            return None, None
        before = self.procedures[index - 1] if index > 0 else None
        after = self.procedures[index + 1] if index + 1 < len(self.procedures) else None
        return before, after


def cache_version(key: str) -> str:
    """Return the version kept under `key` in the shared cache, making one if there is none."""
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return version


def manual_version() -> str:
    """Return the current version of the manual's table of contents."""
    return cache_version(VERSION_KEY)


def work_version() -> str:
    """Return the current version of the work in review."""
    return cache_version(WORK_VERSION_KEY)


def manual_changed() -> None:
    """Give the table of contents a new version: every process rebuilds its Book."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def work_changed() -> None:
    """Give the work in review a new version: `in_review()` reads it again."""
    cache.set(WORK_VERSION_KEY, uuid.uuid4().hex, timeout=None)


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
    rows = Procedure.objects.in_book_order().values_list(
        "pk", "title", "slug", "section_id", "current_revision_id"
    )
    for pk, title, slug, section_id, current_revision_id in rows:
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
        )
        section.procedures.append(entry)
        procedures.append(entry)
    return Book(version=version, volumes=list(volumes.values()), procedures=procedures)


_latest: Book | None = None
_lock = threading.Lock()


def book() -> Book:
    """Return the current table of contents, from this process's memory when up to date."""
    global _latest
    version = manual_version()
    latest = _latest
    if latest is not None and latest.version == version:
        return latest
    with _lock:
        if _latest is None or _latest.version != version:
            _latest = build_book(version)
        return _latest


@dataclass(frozen=True)
class PendingRevision:
    """A revision in review as reading pages name it: number and author, never its text."""

    pk: int
    number: int
    procedure_id: int
    author_id: int
    author_name: str
    procedure_url_kwargs: dict

    def url_kwargs(self) -> dict:
        return {**self.procedure_url_kwargs, "number": self.number}

    def get_absolute_url(self) -> str:
        return reverse("procedures:revision", kwargs=self.url_kwargs())


def in_review(manual: str | None = None) -> dict[int, list[PendingRevision]]:
    """Return the revisions in review by procedure id, each list by revision number.

    Cached under the manual's version (`manual`, if the caller has it) and the work's: one
    query after any revision or any name changed, none otherwise."""
    key = f"procedures:in-review:{manual or manual_version()}:{work_version()}"
    pending = cache.get(key)
    if pending is None:
        pending = {}
        for revision in Revision.objects.awaiting_review().order_by("number"):
            author = revision.author
            pending.setdefault(revision.procedure_id, []).append(
                PendingRevision(
                    pk=revision.pk,
                    number=revision.number,
                    procedure_id=revision.procedure_id,
                    author_id=author.pk,
                    author_name=author.get_full_name() or author.get_username(),
                    procedure_url_kwargs=revision.procedure.url_kwargs(),
                )
            )
        cache.set(key, pending, timeout=24 * 3600)
    return pending


def _changed(**kwargs) -> None:
    manual_changed()
    transaction.on_commit(manual_changed, robust=True)


for _model in (Volume, Section, Procedure):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"manual_changed_{_model.__name__}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"manual_gone_{_model.__name__}")


@receiver(post_save, sender=Revision, dispatch_uid="manual_changed_revision")
@receiver(post_delete, sender=Revision, dispatch_uid="manual_gone_revision")
def _revision_changed(instance, update_fields=None, **kwargs) -> None:
    # Reading pages show approved text only; saving a draft changes nothing they show.
    if instance.status == Revision.Status.APPROVED:
        _changed()
    # Work in review changes with a status (or a revision made or deleted), not with a
    # draft's text: saving a draft leaves every reader's cached page alone.
    if update_fields is None or "status" in update_fields:
        work_changed()
        transaction.on_commit(work_changed, robust=True)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="manual_changed_user")
def _user_changed(created=False, update_fields=None, **kwargs) -> None:
    # Reading pages name owners and approvers; a new user is neither yet, and logging in
    # saves only last_login.
    if not created and (update_fields is None or set(update_fields) - {"last_login"}):
        _changed()
