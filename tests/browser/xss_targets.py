"""Where users' text is stored and shown: the registry the stored-XSS test goes through.

test_xss.py makes one place per payload of tests/xss_corpus.py (its own volume, section and
procedure with an approved revision, an owner and an approver), lets every Target below
write payload number i into its field there, and then opens, in Chromium, every page the
targets name, failing on any script that runs or any markup that could run one.

Adding a field (e.g. issue 5's search query, issue 3's review comment on the review page):
append a Target with
- `field`: what it is, for the failure message;
- `plant(place, payload)`: store the payload in that field of `place` (a Place below; add
  to Place what the new feature needs), cut to the field's length by `fit()`;
- `pages(place)`: the paths that show the field (query strings allowed, e.g. a search);
- `as_anonymous=True` if the page is for people not logged in, `as_admin=True` if it is for
  administrators only (the People pages); others are opened as a reader.
Pages named by several targets are opened once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone

from procedures.models import Procedure, Revision, Section, Volume
from tests.factories import UserFactory

ROMAN = [(100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip


def roman(number: int) -> str:
    out = ""
    for value, numeral in ROMAN:
        while number >= value:
            out, number = out + numeral, number - value
    return out


def fit(model, field: str, payload: str) -> str:
    """Cut a payload to what the database column holds (PostgreSQL enforces it)."""
    max_length = model._meta.get_field(field).max_length
    return payload[:max_length] if max_length else payload


@dataclass
class Place:
    """Payload number `index`'s own corner of the manual."""

    index: int
    payload: str
    volume: Volume
    section: Section
    procedure: Procedure
    revision: Revision  # approved, current
    owner: object
    approver: object

    @classmethod
    def make(cls, index: int, payload: str) -> Place:
        volume = Volume.objects.create(number=index + 1, title=f"Volume {index + 1}")
        section = Section.objects.create(
            volume=volume, numeral=roman(index + 1), title=f"Section {index}", position=1
        )
        owner = UserFactory(username=f"owner-{index}")
        approver = UserFactory(username=f"approver-{index}")
        procedure = Procedure.objects.create(
            section=section, title=f"Procedure {index}", slug=f"p-{index}", position=1, owner=owner
        )
        now = timezone.now()
        revision = Revision.objects.create(
            procedure=procedure, number=1, body="Text", author=owner, reviewer=approver,
            status=Revision.Status.APPROVED, submitted_at=now, reviewed_at=now,
        )  # fmt: skip
        procedure.current_revision = revision
        procedure.save(update_fields=["current_revision"])
        return cls(index, payload, volume, section, procedure, revision, owner, approver)


def _set(obj, field: str, payload: str) -> None:
    setattr(obj, field, fit(type(obj), field, payload))
    obj.save()


@dataclass(frozen=True)
class Target:
    field: str
    plant: Callable[[Place, str], None]
    pages: Callable[[Place], list[str]]
    as_anonymous: bool = False
    as_admin: bool = False

    @property
    def viewer(self) -> str:
        return "anonymous" if self.as_anonymous else "admin" if self.as_admin else "reader"


def _reading(place: Place) -> list[str]:
    return [place.procedure.get_absolute_url()]


def _history(place: Place) -> list[str]:
    """The procedure page, its history and the approved revision's own page."""
    return [
        *_reading(place),
        reverse("procedures:history", kwargs=place.procedure.url_kwargs()),
        place.revision.get_absolute_url(),
    ]


def _listing(place: Place) -> list[str]:
    return ["/", place.volume.get_absolute_url(), place.section.get_absolute_url()]


def _attachment(place: Place, payload: str) -> None:
    """A file named by the payload, in the approved text: listed under the procedure."""
    from attachments.models import Attachment, RevisionAttachment

    attachment = Attachment.objects.create(
        sha256=hashlib.sha256(f"xss-{place.index}".encode()).hexdigest(),
        kind=Attachment.Kind.FILE,
        file="attachments/xss.txt",
        name=fit(Attachment, "name", payload),
        content_type="text/plain; charset=utf-8",
        size=len(payload),
        uploaded_by=place.owner,
    )
    RevisionAttachment.objects.create(revision=place.revision, attachment=attachment, in_text=True)


TARGETS = [
    Target("volume title", lambda p, x: _set(p.volume, "title", x), _listing),
    Target(
        "section title",
        lambda p, x: _set(p.section, "title", x),
        lambda p: [*_listing(p), *_reading(p)],
    ),
    Target(
        "procedure title",
        lambda p, x: _set(p.procedure, "title", x),
        lambda p: [*_listing(p), *_reading(p)],
    ),
    Target("revision body (Markdown)", lambda p, x: _set(p.revision, "body", x), _history),
    Target("change summary", lambda p, x: _set(p.revision, "summary", x), _history),
    Target("review comment", lambda p, x: _set(p.revision, "review_comment", x), _history),
    # Shown as "approved by <full name or username>" and "owner <full name or username>".
    Target("approver username", lambda p, x: _set(p.approver, "username", x), _history),
    Target("owner first name", lambda p, x: _set(p.owner, "first_name", x), _reading),
    Target("owner last name", lambda p, x: _set(p.owner, "last_name", x), _reading),
    # Issue 18: names on the "Who approves" page (owners of procedures), for every reader.
    Target("owner names on Who approves", lambda p, x: None, lambda p: ["/people/who/"]),
    # Names, usernames and addresses on the People list (every page of it) and each person's.
    Target(
        "names on the People pages",
        lambda p, x: _set(p.approver, "email", x),
        lambda p: [
            reverse("people:person", kwargs={"pk": p.owner.pk}),
            reverse("people:person", kwargs={"pk": p.approver.pk}),
            *(f"/people/?page={n}" for n in (1, 2, 3)),
        ],
        as_admin=True,
    ),
    # Issue 13: an attached file's name, in the list under the approved text.
    Target("attachment file name", _attachment, _reading),
    # Reflected: the header search box and the list's title filter write the query back.
    Target(
        "search query",
        lambda p, x: None,
        lambda p: [f"/search/?q={quote(p.payload)}", f"/procedures/?title={quote(p.payload)}"],
    ),
    # Reflected rather than stored: the login form writes `next` back into the page.
    Target(
        "login ?next=",
        lambda p, x: None,
        lambda p: [f"/accounts/login/?next={quote(p.payload)}"],
        as_anonymous=True,
    ),
]
