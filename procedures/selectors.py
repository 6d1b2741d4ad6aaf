"""Reads that several views share: a procedure and a revision by their URL, work on a
procedure, the review queue, a procedure's history and a person's own work.

Each returns plain data for a template, with the policy's answers filled in, in a number of
queries that does not grow with the data.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Count, Exists, OuterRef, When
from django.db.models.functions import Lower
from django.http import Http404

from .caching.work import in_review
from .models import Favourite, Procedure, ProcedureFormerPlace, RecentView, Revision, Section
from .workflow import policy

Status = Revision.Status


def procedure_at(kwargs: dict) -> Procedure:
    """Return the procedure named by the URL's volume, section and slug, or 404."""
    try:
        return Procedure.objects.with_place().get(
            section__volume__number=kwargs["volume"],
            section__numeral=kwargs["section"],
            slug=kwargs["slug"],
        )
    except Procedure.DoesNotExist:
        raise Http404("No such procedure in the manual.") from None


def moved_procedure(kwargs: dict) -> Procedure | None:
    """Return the procedure that was at the URL's volume, section and slug before a rename
    or move, or None."""
    path = f"{kwargs['volume']}/{kwargs['section'].lower()}/{kwargs['slug']}"
    former = (
        ProcedureFormerPlace.objects.filter(path=path)
        .select_related("procedure__section__volume")
        .first()
    )
    return former.procedure if former else None


def volume_sections(volume_number: int) -> list[Section]:
    """Return the sections of a volume in order, or 404 if there is no such volume."""
    sections = list(
        Section.objects.filter(volume__number=volume_number)
        .select_related("volume")
        .order_by("position", "pk")
    )
    if not sections:
        raise Http404("No such volume in the manual.")
    return sections


def section_at(kwargs: dict) -> Section:
    """Return the section named by the URL's volume and section numeral, or 404."""
    try:
        return Section.objects.select_related("volume").get(
            volume__number=kwargs["volume"], numeral=kwargs["section"]
        )
    except Section.DoesNotExist:
        raise Http404("No such section in the manual.") from None


def revision_of(procedure: Procedure, number: int) -> Revision:
    """Return the procedure's revision with that number, or 404."""
    try:
        revision = Revision.objects.select_related(
            "author", "reviewer", "based_on", "revises__reviewer"
        ).get(procedure=procedure, number=number)
    except Revision.DoesNotExist:
        raise Http404(f"“{procedure.title}” has no revision {number}.") from None
    revision.procedure = procedure
    if revision.revises is not None:
        revision.revises.procedure = procedure
    return revision


def procedure_for_reading(pk: int) -> Procedure:
    """Return a procedure with everything its reading page shows, or 404."""
    try:
        return Procedure.objects.for_reading().get(pk=pk)
    except Procedure.DoesNotExist:  # deleted since the table of contents was read
        raise Http404("No such procedure in the manual.") from None


def work_on_procedure(procedure_id: int, user: AbstractBaseUser, *, manual: str | None = None):
    """Return what the procedure page shows about work in progress, for this user.

    Everyone learns that a newer revision is in review (never its text), from the cache of
    work in review; an editor also gets their own open draft (one query).
    """
    if not policy.can_read(user):
        return {}
    may_edit = policy.can_edit(user)
    my_draft = None
    if may_edit:
        my_draft = (
            Revision.objects.drafts()
            .filter(procedure_id=procedure_id, author_id=user.pk)
            .select_related("procedure__section__volume")
            .only("number", "status", "procedure__slug", "procedure__section__numeral",
                  "procedure__section__volume__number")
            .first()
        )  # fmt: skip
    pending = in_review(manual).get(procedure_id, [])
    return {
        "revisions_in_review": pending,
        "mine_in_review": [r for r in pending if policy.is_author(r, user)],
        "my_draft": my_draft,
        "may_edit": may_edit,
        "may_review": policy.can_review(user),
        "may_reorganise": policy.can_reorganise(user),
    }


def review_base(revision: Revision, user: AbstractBaseUser, *, against: str = "") -> dict:
    """Return what a revision's review diffs against, and which that is.

    A revision revising a rejected one is shown against that rejected revision (the fix)
    unless `against` is "approved"; anything else against the approved text (the whole
    change). `other` names the comparison one click away, if there is one.
    """
    current = revision.procedure.current_revision
    rejected = revision.revises if revision.revises_id else None
    if rejected is not None and not (
        rejected.status == Status.REJECTED and policy.can_see(rejected, user)
    ):
        rejected = None
    if rejected is not None and against != "approved":
        return {"base": rejected, "against": "rejected", "other": "approved", "rejected": rejected}
    other = "rejected" if rejected is not None else None
    return {"base": current, "against": "approved", "other": other, "rejected": rejected}


def others_drafting(procedure_id: int, user: AbstractBaseUser) -> list[dict]:
    """Return who else has an open draft of the procedure, and since when (never its text)."""
    drafts = (
        Revision.objects.drafts()
        .filter(procedure_id=procedure_id)
        .exclude(author_id=user.pk)
        .select_related("author")
        .only("created_at", "author__username", "author__first_name", "author__last_name")
        .order_by("created_at")
    )
    return [
        {"name": d.author.get_full_name() or d.author.get_username(), "since": d.created_at}
        for d in drafts
    ]


def review_queue(user: AbstractBaseUser) -> list[dict]:
    """Return every revision in review, oldest submission first, as rows for the queue."""
    revisions = Revision.objects.awaiting_review().defer("body", "body_html", "toc_html")
    return [
        {
            "revision": revision,
            "out_of_date": revision.is_out_of_date,
            "own": policy.is_author(revision, user),
        }
        for revision in revisions
    ]


def history(procedure: Procedure, user: AbstractBaseUser) -> dict:
    """Return a procedure's revisions and event trail as this user may see them.

    Other people's drafts are listed (number, author, date) without their summary or a link:
    the team sees that someone is working on it, nobody sees text its author has not shared.
    """
    rows = []
    for revision in procedure.revisions.select_related("author", "reviewer").order_by("-number"):
        revision.procedure = procedure
        rows.append(
            {
                "revision": revision,
                "visible": policy.can_see(revision, user),
                "actions": policy.allowed_actions(revision, user),
            }
        )
    visible = [row["revision"] for row in rows if row["visible"]]
    visible_ids = {revision.pk for revision in visible}
    events = procedure.events.select_related("actor").order_by("-created_at", "-pk")
    trail = [{"event": e, "show_comment": e.revision_id in visible_ids} for e in events]
    # Archived, restored, renamed, moved: the procedure's own events, open to every reader.
    own = procedure.procedure_events.select_related("actor")
    trail += [{"event": e, "show_comment": True} for e in own]
    trail.sort(key=lambda item: item["event"].created_at, reverse=True)
    return {
        "rows": rows,
        "trail": trail,
        "visible_revisions": visible,
        "compare_from": visible[1] if len(visible) > 1 else None,
        "compare_to": visible[0] if visible else None,
    }


def my_work(user: AbstractBaseUser) -> dict:
    """Return my drafts, my revisions in review, and my rejected revisions still to revise.

    A rejected revision stays listed, with the reviewer's comment, until I submit a later
    revision of the same procedure; while I have a draft of it, the list links to that draft.
    """
    submitted_since = Revision.objects.filter(
        procedure=OuterRef("procedure"), author=user, number__gt=OuterRef("number")
    ).exclude(status=Status.DRAFT)
    mine = list(
        Revision.objects.filter(author=user, status__in=[*Revision.OPEN_STATUSES, Status.REJECTED])
        .annotate(revised=Exists(submitted_since))
        .select_related("procedure__section__volume", "reviewer")
        .defer("body", "body_html", "toc_html")
        .order_by("-updated_at", "-pk")
    )
    drafts = {r.procedure_id: r for r in mine if r.status == Status.DRAFT}
    rejected = sorted(
        (r for r in mine if r.status == Status.REJECTED and not r.revised),
        key=lambda r: r.reviewed_at,
        reverse=True,
    )

    def rows(status: str) -> list[dict]:
        return [
            {"revision": r, "out_of_date": r.is_out_of_date} for r in mine if r.status == status
        ]

    return {
        **bookmarks(user),
        "drafts": rows(Status.DRAFT),
        "in_review": rows(Status.IN_REVIEW),
        "rejected": [{"revision": r, "open_draft": drafts.get(r.procedure_id)} for r in rejected],
        "may_edit": policy.can_edit(user),
    }


TITLE_SUGGESTIONS = 10
UNLINKABLE = re.compile(r"[\[\]|\n]")  # a title with these cannot stand inside [[...]]


def procedure_titles(query: str, *, limit: int = TITLE_SUGGESTIONS) -> list[dict]:
    """Return up to `limit` procedures whose title contains `query`, titles starting with it
    first, each with the text a `[[link]]` to it should carry: its title, or its path where
    another procedure has the same title (a title link would be ambiguous). Two queries."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    book_order = ("section__volume__number", "section__position", "position", "pk")
    matches = list(
        Procedure.objects.with_place()
        .filter(title__icontains=query)
        .annotate(
            starts=Case(When(title__istartswith=query, then=0), default=1),
            written=Case(When(current_revision__isnull=False, then=0), default=1),
            folded=Lower("title"),  # the database's own folding, as in the query below
        )
        .order_by("starts", "written", "folded", *book_order)
        .only("title", "slug", "current_revision", "section__numeral", "section__volume__number")[
            :limit
        ]
    )
    folded = {p.folded for p in matches}
    shared = set(
        Procedure.objects.annotate(folded=Lower("title"))
        .filter(folded__in=folded)
        .values("folded")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("folded", flat=True)
    )
    return [
        {
            "title": p.title,
            "place": p.place,
            "link": p.path if p.folded in shared or UNLINKABLE.search(p.title) else p.title,
            "written": p.current_revision_id is not None,
        }
        for p in matches
    ]


def bookmarks(user: AbstractBaseUser) -> dict:
    """Return the person's starred procedures (in book order) and the ones they opened
    lately (latest first): two queries."""
    favourites = (
        Procedure.objects.with_place()
        .filter(pk__in=Favourite.objects.filter(user=user).values("procedure_id"))
        .in_book_order()
    )
    recent = (
        RecentView.objects.filter(user=user)
        .select_related("procedure__section__volume")
        .order_by("-viewed_at", "-pk")[: RecentView.KEPT]
    )
    return {"favourites": list(favourites), "recently_viewed": list(recent)}
