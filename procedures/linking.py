"""Wiki links against the database: resolving `[[...]]` to procedures while rendering, and the
link table behind "Linked from".

`render()` is how the site turns a revision's Markdown into HTML: `text.markdown` with a
`Resolver` that reads procedures. `ProcedureLink` rows record the links in each procedure's
*approved* text. `update_links()` rewrites them, re-rendering the approved text so its links
are current; approving calls it (`workflow.effects`). Procedures are added and renamed outside
the workflow too (admin, fixtures), so a link that was broken may become valid later:
`refresh_links_to(procedure)` re-resolves every link naming that procedure's title or path (or
pointing at it), and `refresh_all_links()` (`manage.py rebuild_search_index`) all of them.

A renamed or moved procedure is still found by its former title or path
(`ProcedureFormerPlace`) while no procedure in use has it; a link to an archived procedure
still leads there, marked archived. `links_made_ambiguous()` says which links a new title
would make ambiguous, for the warning before it is taken.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from .models import Procedure, ProcedureFormerPlace, ProcedureLink, Revision
from .text.markdown import RenderedMarkdown, render_markdown
from .text.wikilinks import AMBIGUOUS, ARCHIVED, MISSING, OK, PATH_RE, LinkTarget, link_key

PLACE_FIELDS = (
    "pk", "title", "slug", "archived_at", "section", "section__numeral",
    "section__volume__number",
)  # fmt: skip


class Resolver:
    """Resolve link text to procedures, remembering answers for one render (or one rebuild)."""

    def __init__(self, *, source_procedure_id: int | None = None):
        self.source_procedure_id = source_procedure_id
        self._source_section_id: int | None = None
        self._cache: dict[str, LinkTarget] = {}
        self._by_title: dict[str, list[Procedure]] | None = None
        self._by_path: dict[str, Procedure] | None = None
        self._former: dict[str, list[Procedure]] | None = None

    @classmethod
    def for_everything(cls) -> Resolver:
        """Return a resolver that reads every procedure once, for re-resolving many links."""
        resolver = cls()
        resolver._by_title, resolver._by_path, resolver._former = {}, {}, {}
        procedures = {}
        for procedure in Procedure.objects.with_place().only(*PLACE_FIELDS):
            resolver._by_title.setdefault(link_key(procedure.title), []).append(procedure)
            resolver._by_path[procedure.path] = procedure
            procedures[procedure.pk] = procedure
        for path, title_key, pk in ProcedureFormerPlace.objects.values_list(
            "path", "title_key", "procedure_id"
        ):
            for key in (path, title_key):
                former = resolver._former.setdefault(key, [])
                if procedures[pk] not in former:
                    former.append(procedures[pk])
        return resolver

    def with_source(self, procedure: Procedure) -> Resolver:
        """Return this resolver for links written in `procedure` (same-section preference)."""
        self.source_procedure_id = procedure.pk
        self._source_section_id = procedure.section_id
        self._cache = {}
        return self

    def source_section_id(self) -> int | None:
        if self._source_section_id is None and self.source_procedure_id is not None:
            self._source_section_id = (
                Procedure.objects.filter(pk=self.source_procedure_id)
                .values_list("section_id", flat=True)
                .first()
            )
        return self._source_section_id

    def _candidates(self, key: str) -> list[Procedure]:
        if PATH_RE.match(key):
            if self._by_path is not None:
                return [self._by_path[key]] if key in self._by_path else []
            volume, numeral, slug = key.split("/")
            return list(
                Procedure.objects.with_place().filter(
                    section__volume__number=int(volume),
                    section__numeral=numeral.upper(),
                    slug=slug,
                )
            )
        if self._by_title is not None:
            return self._by_title.get(key, [])
        # iexact narrows in the database; link_key settles case and spacing exactly.
        return [
            p
            for p in Procedure.objects.with_place().filter(title__iexact=key)
            if link_key(p.title) == key
        ]

    def _former_candidates(self, key: str) -> list[Procedure]:
        """Return the procedures that had this path or title before a rename or move."""
        if self._former is not None:
            return self._former.get(key, [])
        rows = ProcedureFormerPlace.objects.filter(
            **({"path": key} if PATH_RE.match(key) else {"title_key": key})
        ).values("procedure")
        return list(Procedure.objects.with_place().filter(pk__in=rows))

    def search_url(self, text: str) -> str:
        return reverse("procedures:search") + "?" + urlencode({"q": text})

    def resolve(self, text: str) -> LinkTarget:
        key = link_key(text)
        if key not in self._cache:
            self._cache[key] = self._resolve(key)
        return self._cache[key]

    def _resolve(self, key: str) -> LinkTarget:
        candidates = self._candidates(key)
        if not [p for p in candidates if not p.is_archived]:
            candidates = self._former_candidates(key) or candidates
        # An archived procedure answers only when no procedure in use does.
        candidates = [p for p in candidates if not p.is_archived] or candidates
        if len(candidates) > 1:
            section_id = self.source_section_id()
            candidates = [p for p in candidates if p.section_id == section_id] or candidates
        if not candidates:
            return LinkTarget(key=key, state=MISSING)
        if len(candidates) > 1:
            return LinkTarget(key=key, state=AMBIGUOUS)
        procedure = candidates[0]
        return LinkTarget(
            key=key,
            state=ARCHIVED if procedure.is_archived else OK,
            procedure_id=procedure.pk,
            url=procedure.get_absolute_url(),
            title=procedure.title,
        )


def render(source: str, *, source_procedure_id: int | None = None) -> RenderedMarkdown:
    """Render Markdown as the site shows it, `[[links]]` resolved against the database."""
    return render_markdown(source, resolver=Resolver(source_procedure_id=source_procedure_id))


def render_body(revision: Revision) -> None:
    """Write `body_html` and `toc_html` from the revision's body (not saved)."""
    rendered = render(revision.body, source_procedure_id=revision.procedure_id)
    revision.body_html = rendered.html
    revision.toc_html = rendered.toc_html


def update_links(procedure: Procedure, *, resolver: Resolver | None = None) -> None:
    """Re-resolve the links in the procedure's approved text, re-render that text if a link
    changed, and record the links for "Linked from"."""
    revision = (
        Revision.objects.filter(pk=procedure.current_revision_id, status=Revision.Status.APPROVED)
        .only("pk", "body", "body_html", "toc_html")
        .first()
    )
    ProcedureLink.objects.filter(source=procedure).delete()
    if revision is None or "[[" not in revision.body:
        return
    resolver = (resolver or Resolver()).with_source(procedure)
    rendered = render_markdown(revision.body, resolver=resolver)
    if (rendered.html, rendered.toc_html) != (revision.body_html, revision.toc_html):
        # body_html is a cache of the (unchanged) approved text; only what it links to moved.
        Revision.objects.filter(pk=revision.pk).update(
            body_html=rendered.html, toc_html=rendered.toc_html
        )
    targets = {target.key: target for target in rendered.links}
    ProcedureLink.objects.bulk_create(
        ProcedureLink(source=procedure, target_key=key, target_id=target.procedure_id)
        for key, target in targets.items()
    )


def refresh_links_to(procedure: Procedure) -> int:
    """Re-resolve the approved links that name this procedure (by title or path) or point at
    it; call after adding, renaming or moving a procedure. Return how many procedures."""
    keys = {link_key(procedure.title), procedure.path}
    sources = Procedure.objects.filter(
        pk__in=ProcedureLink.objects.filter(target_key__in=keys).values("source")
    ) | Procedure.objects.filter(
        pk__in=ProcedureLink.objects.filter(target=procedure).values("source")
    )
    count = 0
    for source in sources.distinct():
        update_links(source)
        count += 1
    return count


def refresh_all_links() -> int:
    """Re-resolve the links in every procedure's approved text; return how many link."""
    ProcedureLink.objects.exclude(source__current_revision__body__contains="[[").delete()
    resolver = Resolver.for_everything()
    count = 0
    for procedure in Procedure.objects.filter(current_revision__body__contains="[[").only(
        "pk", "section_id", "current_revision_id"
    ):
        update_links(procedure, resolver=resolver)
        count += 1
    return count


def links_made_ambiguous(
    *, title: str, section_id: int, procedure_id: int | None = None
) -> list[Procedure]:
    """Return the procedures whose approved `[[title]]` links lead to one procedure today and
    would be ambiguous if procedure `procedure_id` (None: a new one) had `title` in section
    `section_id`, in book order."""
    key = link_key(title)
    links = list(
        ProcedureLink.objects.filter(target_key=key, target__isnull=False)
        .exclude(source_id=procedure_id)
        .values_list("source_id", "source__section_id")
    )
    if not links:
        return []
    others = [
        p.section_id
        for p in Resolver()._candidates(key)
        if not p.is_archived and p.pk != procedure_id
    ]
    pool = [*others, section_id]
    sources = []
    for source_id, source_section in links:
        same = [s for s in pool if s == source_section]
        if len(same or pool) > 1:
            sources.append(source_id)
    return list(Procedure.objects.filter(pk__in=sources).with_place().in_book_order())
