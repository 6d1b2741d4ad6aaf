"""Import a ZIP or folder of procedures laid out as the Markdown export lays them out:
`01-front-office-mastery/02-finance/03-billing-procedures-and-policies.md` (or `.docx`), its
files in `03-billing-procedures-and-policies.files/` beside it.

The archive is read and checked whole first: every file that cannot be imported is reported by
name with the reason, and then nothing is imported. What can be is written in ONE transaction
through the workflow's transitions, as the importing user: a missing volume or section is added
(`transfer.transitions`), a missing procedure with `procedure_create`, and each file's text
becomes a new draft (`revision_start_draft`, attachments through `attachments.transitions`,
`revision_save_draft`). With `approve`, each draft is then submitted by the importing user and
approved by `approver` (`revision_submit`, `revision_approve`): the four-eyes rule holds as on
the site, so the approver must be another approver, or the same user only where
SOP_ALLOW_SELF_APPROVAL is on. The transitions run inside `effects.bulk_write()`: their
per-procedure links, search entries and cache versions (each re-reading the manual) are left to
one `effects.manual_rewritten()` after the commit, and their mail is gathered
(`effects.mail_gathered`): each person gets one message once the import commits, and no one is
asked to review what the import approved. Each distinct file is checked and re-encoded once
(`process_upload`) and stored, on other threads a few entries ahead of the writing.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import zipfile
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from attachments.models import Attachment
from attachments.processing import Processed, process_upload
from attachments.transitions import attachments_add, store_checked
from procedures import workflow
from procedures.models import Section, Volume
from procedures.workflow import effects

from . import policy
from .docx import NotADocument, docx_to_markdown
from .errors import ImportRefused
from .transitions import section_create, volume_create

NUMBERED = re.compile(r"^(\d{1,4})-(.+)$")
IGNORED = re.compile(r"(^|/)(__MACOSX|\.DS_Store|Thumbs\.db|desktop\.ini)(/|$)")
BOMB_MIN_BYTES = 1_000_000  # below this a high ratio (a page of spaces) harms nobody
ARCHIVE = "(the archive)"


@dataclass
class Entry:
    """One procedure file of the archive, read and checked."""

    name: str
    volume_number: int
    volume_title: str
    section_position: int
    section_title: str
    section_numeral: str
    position: int
    slug: str
    title: str
    body: str
    owner: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # reference in the text -> bytes


@dataclass
class Outcome:
    name: str
    procedure: str
    place: str
    action: str
    revision: int | None = None


@dataclass
class Report:
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    volumes_added: int = 0
    sections_added: int = 0
    procedures_added: int = 0

    @property
    def revisions(self) -> int:
        return sum(1 for o in self.outcomes if o.revision is not None)


# Reading the archive: names and sizes checked before a byte is unpacked.


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        "\\" in name
        or name.startswith("/")
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in path.parts
        or "\x00" in name
    )


def _read_zip(source, problems: list) -> dict[str, bytes]:
    limit_files, limit_bytes = settings.SOP_IMPORT_MAX_FILES, settings.SOP_IMPORT_MAX_BYTES
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.append((ARCHIVE, "not a ZIP file, or a damaged one"))
        return {}
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and not IGNORED.search(i.filename)]
        if len(infos) > limit_files:
            problems.append((ARCHIVE, f"{len(infos):,} files; the limit is {limit_files:,}"))
            return {}
        declared = sum(i.file_size for i in infos)
        if declared > limit_bytes:
            problems.append(
                (ARCHIVE, f"{declared:,} bytes unpacked; the limit is {limit_bytes:,} bytes")
            )
            return {}
        files, total = {}, 0
        for info in infos:
            name = info.filename
            if _unsafe(name):
                problems.append((name, "a path outside the archive (absolute or with ..)"))
                continue
            if info.flag_bits & 0x1:
                problems.append((name, "encrypted in the ZIP; unpack it without a password"))
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > BOMB_MIN_BYTES and ratio > settings.SOP_IMPORT_MAX_RATIO:
                problems.append((name, f"unpacks {ratio:,.0f} times larger (a ZIP bomb?)"))
                continue
            try:
                with archive.open(info) as f:
                    content = f.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
                problems.append((name, "damaged in the ZIP (cannot be unpacked)"))
                continue
            if len(content) > info.file_size:
                problems.append((name, "larger than the ZIP declares (a ZIP bomb?)"))
                continue
            total += len(content)
            if total > limit_bytes:
                problems.append((ARCHIVE, f"over {limit_bytes:,} bytes unpacked"))
                return {}
            files[name] = content
        return files


def _read_folder(folder: Path, problems: list) -> dict[str, bytes]:
    root = folder.resolve()
    paths = [p for p in sorted(root.rglob("*")) if p.is_file() or p.is_symlink()]
    if len(paths) > settings.SOP_IMPORT_MAX_FILES:
        problems.append((ARCHIVE, f"{len(paths):,} files; the limit is "
                                  f"{settings.SOP_IMPORT_MAX_FILES:,}"))  # fmt: skip
        return {}
    files, total = {}, 0
    for path in paths:
        name = path.relative_to(root).as_posix()
        if IGNORED.search(name):
            continue
        if not path.resolve().is_relative_to(root):
            problems.append((name, "a link to a file outside the folder"))
            continue
        total += path.stat().st_size
        if total > settings.SOP_IMPORT_MAX_BYTES:
            problems.append((ARCHIVE, f"over {settings.SOP_IMPORT_MAX_BYTES:,} bytes"))
            return {}
        files[name] = path.read_bytes()
    return files


def read_source(source: str | Path | IO[bytes], problems: list) -> dict[str, bytes]:
    """Return the files of a ZIP (a path or an open file) or a folder, name -> bytes."""
    if isinstance(source, str | Path) and Path(source).is_dir():
        return _read_folder(Path(source), problems)
    return _read_zip(source, problems)


# Parsing the files: layout, front matter, text.


def _numbered(part: str, what: str) -> tuple[int, str]:
    match = NUMBERED.match(part)
    if not match:
        raise ValueError(f"unknown {what}: the folder “{part}” does not start with its number")
    return int(match.group(1)), match.group(2)


def _title(slug: str) -> str:
    return slug.replace("-", " ").strip().capitalize() or slug


def roman(number: int) -> str:
    values = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ]  # fmt: skip
    out = ""
    for value, letters in values:
        while number >= value:
            out, number = out + letters, number - value
    return out


def _split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end < 0:
        raise ValueError("bad front matter: no closing --- line")
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"bad front matter: {str(exc).splitlines()[0]}") from exc
    if not isinstance(meta, dict):
        raise ValueError("bad front matter: not a list of key: value lines")
    body = text[end + 5 :]
    return meta, body[1:] if body.startswith("\n") else body


def _text(name: str, content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start:,} is not)") from exc


def _as_int(meta: dict, key: str, default: int) -> int:
    value = meta.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 32767:
        raise ValueError(f"bad front matter: {key} must be a whole number from 1")
    return value


def _str(meta: dict, key: str, default: str) -> str:
    value = meta.get(key, default)
    return str(value).strip()[:200] if value is not None else default


def parse_entry(name: str, content: bytes, files: dict[str, bytes]) -> Entry:
    """Return one procedure file as an Entry, or raise ValueError saying what is wrong."""
    parts = name.split("/")
    (volume_number, volume_slug) = _numbered(parts[0], "volume")
    (section_position, section_slug) = _numbered(parts[1], "section")
    stem = parts[2].rsplit(".", 1)[0]
    position, slug = _numbered(stem, "procedure") if NUMBERED.match(stem) else (0, stem)
    folder = f"{stem}.files"
    if name.lower().endswith(".docx"):
        try:
            body, images = docx_to_markdown(content, folder=folder)
        except NotADocument as exc:
            raise ValueError(str(exc)) from exc
        meta, attached = {}, images
    else:
        meta, body = _split_front_matter(_text(name, content))
        prefix = "/".join(parts[:2]) + "/"
        attached = {
            key.removeprefix(prefix): value
            for key, value in files.items()
            if key.startswith(prefix + folder + "/")
        }
    if "volume_number" in meta and meta["volume_number"] != volume_number:
        raise ValueError(
            f"unknown volume: the front matter says {meta['volume_number']!r}, "
            f"the folder {volume_number}"
        )
    try:
        workflow.check_body_size(body)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from exc
    for reference in re.findall(r"\]\(([^()\s]+)\)", body):
        if reference.startswith(folder + "/") and reference not in attached:
            raise ValueError(f"refers to {reference}, which is not in the archive")
    return Entry(
        name=name,
        volume_number=volume_number,
        volume_title=_str(meta, "volume", _title(volume_slug)),
        section_position=_as_int(meta, "section_position", section_position),
        section_title=_str(meta, "section", _title(section_slug)),
        section_numeral=_str(meta, "section_numeral", roman(section_position)).upper()[:10],
        position=_as_int(meta, "position", position or 1),
        slug=_str(meta, "slug", slug),
        title=_str(meta, "title", _title(slug)),
        owner=meta.get("owner") if isinstance(meta.get("owner"), str) else None,
        body=body,
        files={ref: attached[ref] for ref in attached if ref in body},
    )


def parse(files: dict[str, bytes], problems: list) -> list[Entry]:
    """Return the archive's procedure files in book order; add what is wrong to `problems`."""
    entries, seen = [], {}
    attachments = {
        n for n in files if len(n.split("/")) == 4 and n.split("/")[2].endswith(".files")
    }
    for name, content in files.items():
        if name in attachments:
            continue
        parts = name.split("/")
        if len(parts) != 3 or not name.lower().endswith((".md", ".docx")):
            problems.append((name, "not in the layout volume/section/procedure.md (or .docx)"))
            continue
        try:
            entry = parse_entry(name, content, files)
        except ValueError as exc:
            problems.append((name, str(exc)))
            continue
        key = (entry.volume_number, entry.section_numeral, entry.slug)
        if key in seen:
            problems.append((name, f"the same procedure as {seen[key]}"))
            continue
        seen[key] = name
        entries.append(entry)
    if not entries and not problems:
        problems.append((ARCHIVE, "holds no procedure files (.md or .docx)"))
    return sorted(entries, key=lambda e: (e.volume_number, e.section_position, e.position, e.name))


# Writing: through the transitions, in one transaction.


class _Structure:
    """Finds or adds the volumes and sections the entries name, counting what it adds."""

    def __init__(self, user, report: Report):
        self.user, self.report = user, report
        # Found or added once per import; forgotten when an entry's savepoint rolls back
        # (what it added is gone), so the next entries are not refused for its sake.
        self.sections: dict[tuple[int, str], Section] = {}

    def section(self, entry: Entry) -> Section:
        key = (entry.volume_number, entry.section_numeral)
        if key not in self.sections:
            self.sections[key] = self._find_or_add(entry)
        return self.sections[key]

    def _find_or_add(self, entry: Entry) -> Section:
        volume = Volume.objects.filter(number=entry.volume_number).first()
        if volume is None:
            volume = volume_create(number=entry.volume_number, title=entry.volume_title,
                                   user=self.user)  # fmt: skip
            self.report.volumes_added += 1
        section = volume.sections.filter(numeral=entry.section_numeral).first()
        if section is None:
            section = section_create(
                volume=volume, numeral=entry.section_numeral, title=entry.section_title,
                position=entry.section_position, user=self.user,
            )  # fmt: skip
            self.report.sections_added += 1
        return section


def _with_urls(body: str, urls: dict[str, tuple[str, str]]) -> str:
    """Return the text with each archive reference replaced by its file's site URL (an
    image shown in the text by its display copy, as the editor's upload writes it)."""
    for reference, (url, display_url) in urls.items():
        escaped = re.escape(reference)
        body = re.sub(
            r"(!\[[^\]]*\])\(" + escaped + r"\)",
            lambda m, d=display_url: f"{m.group(1)}({d})",
            body,
        )
        body = body.replace(f"]({reference})", f"]({url})")
    return body


class _Files:
    """The entries' files checked and re-encoded as an upload is (`process_upload`), each
    distinct file once, a few entries ahead of the writing, on other threads: zlib, Pillow
    and file writes run outside the GIL, so the images and the database writes share the
    cores. With `store`, each is also written to storage there (`store_checked`), so the
    writing only records it."""

    AHEAD = 8  # entries whose files are being processed ahead of the one being written

    def __init__(self, entries: list[Entry], *, store: bool):
        self.entries, self.submitted, self.store = entries, 0, store
        # Two files that clean to the same bytes are written once: the second waits for the
        # first, then finds it there (writing it at the same moment made a second copy).
        self.writing, self.writing_lock = defaultdict(threading.Lock), threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
        self.futures: dict[tuple[bytes, str], Future] = {}

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *exc) -> None:
        self.pool.shutdown(cancel_futures=True)

    def _check(self, content: bytes, name: str) -> Processed:
        processed = process_upload(content=content, name=name)
        if self.store:
            with self.writing_lock:
                writing = self.writing[processed.sha256]
            with writing:
                store_checked(processed)
        return processed

    @staticmethod
    def _key(reference: str, content: bytes) -> tuple[bytes, str]:
        return hashlib.sha256(content).digest(), reference.rsplit("/", 1)[-1]

    def processed(self, index: int) -> dict[str, Processed]:
        """Return entry `index`'s files as stored (reference -> Processed), or raise the
        AttachmentRefused of the first that cannot be."""
        while self.submitted < min(index + 1 + self.AHEAD, len(self.entries)):
            for reference, content in self.entries[self.submitted].files.items():
                key = self._key(reference, content)
                if key not in self.futures:
                    self.futures[key] = self.pool.submit(self._check, content, key[1])
            self.submitted += 1
        return {
            reference: self.futures[self._key(reference, content)].result()
            for reference, content in self.entries[index].files.items()
        }


def _known_urls(processed: dict[str, Processed]) -> dict[str, tuple[str, str]] | None:
    """Return the site URLs of the entry's files if every one is stored already, else None."""
    stored = Attachment.objects.in_bulk([p.sha256 for p in processed.values()],
                                        field_name="sha256")  # fmt: skip
    if any(p.sha256 not in stored for p in processed.values()):
        return None
    return {
        reference: (stored[p.sha256].get_absolute_url(), stored[p.sha256].display_url())
        for reference, p in processed.items()
    }


def _upload_files(processed: dict[str, Processed], draft, user) -> dict[str, tuple[str, str]]:
    """Attach the entry's files to the draft (attachments.transitions); return their URLs."""
    if not processed:
        return {}
    uploaded = attachments_add(revision=draft, user=user, processed=list(processed.values()))
    return {
        reference: (added.attachment.get_absolute_url(), added.attachment.display_url())
        for reference, added in zip(processed, uploaded, strict=True)
    }


def _import_entry(
    entry: Entry, *, files: dict[str, Processed], user, approver, structure: _Structure,
    dry_run: bool,
) -> Outcome:  # fmt: skip
    section = structure.section(entry)
    procedure = section.procedures.filter(slug=entry.slug).order_by().first()
    action = "new revision"
    if procedure is None:
        people = get_user_model().objects
        owner = people.filter(username=entry.owner).first() if entry.owner else None
        # An import restores a manual as it was: links it makes ambiguous were so there.
        procedure = workflow.procedure_create(section=section, title=entry.title, user=user,
                                              owner=owner, slug=entry.slug,
                                              confirm_ambiguous=True)  # fmt: skip
        structure.report.procedures_added += 1
        action = "new procedure"
    place = f"{section.volume.number}/{section.numeral.lower()}/{procedure.slug}"
    known = _known_urls(files)
    current = procedure.current_revision
    if current is not None and known is not None and current.body == _with_urls(entry.body, known):
        return Outcome(entry.name, procedure.title, place, "unchanged: the approved text is this")
    draft = workflow.revision_start_draft(procedure=procedure, user=user)
    # A preview stores no files: it is rolled back, and stored files are never deleted.
    urls = known if dry_run and known is not None else ({} if dry_run else None)
    body = _with_urls(entry.body, urls if urls is not None else _upload_files(files, draft, user))
    summary = f"Imported from {entry.name}"[:300]
    draft = workflow.revision_save_draft(revision=draft, user=user, body=body, summary=summary,
                                         expected_version=draft.version)  # fmt: skip
    if approver is None:
        return Outcome(entry.name, procedure.title, place, f"{action}, draft", draft.number)
    workflow.revision_submit(revision=draft, user=user, summary=summary)
    workflow.revision_approve(revision=draft, user=approver, comment="Approved on import")
    return Outcome(entry.name, procedure.title, place, f"{action}, approved", draft.number)


def import_archive(
    *,
    source: str | Path | IO[bytes],
    user: AbstractBaseUser,
    dry_run: bool = False,
    approve: bool = False,
    approver: AbstractBaseUser | None = None,
) -> Report:
    """Import the archive as drafts by `user` (approved by `approver` with `approve`), or,
    with `dry_run`, say what would be imported and keep nothing. Raises ImportRefused listing
    every file that cannot be imported (and then nothing is), or NotAllowed."""
    if not policy.can_import(user):
        raise workflow.NotAllowed("Only administrators can import procedures.")
    approver = (approver or user) if approve else None
    if approver is not None and not policy.can_approve_import(approver):
        raise workflow.NotAllowed(f"{approver.get_username()} is not an approver.")
    problems: list[tuple[str, str]] = []
    entries = parse(read_source(source, problems), problems)
    if problems:
        raise ImportRefused(problems)
    report = Report(dry_run=dry_run)
    structure = _Structure(user, report)
    # Links, search entries and cache versions once for all, after the commit (below).
    # One message per person, not one per procedure; none at all if nothing is kept.
    gathered = effects.mail_gathered(f"Import by {user.get_username()}")
    with (
        effects.bulk_write(),
        _Files(entries, store=not dry_run) as files,
        transaction.atomic(),
        gathered,
    ):
        for index, entry in enumerate(entries):
            try:
                processed = files.processed(index)  # refuses a bad screenshot first
                with transaction.atomic():
                    outcome = _import_entry(entry, files=processed, user=user, approver=approver,
                                            structure=structure, dry_run=dry_run)  # fmt: skip
            except (ValidationError, PermissionDenied, IntegrityError) as exc:
                structure.sections.clear()
                reason = " ".join(getattr(exc, "messages", [str(exc)]))
                problems.append((entry.name, reason))
                continue
            report.outcomes.append(outcome)
        if problems or dry_run:
            transaction.set_rollback(True)
    if problems:
        raise ImportRefused(problems)
    if not dry_run:
        effects.manual_rewritten()
    return report
