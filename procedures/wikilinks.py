"""`[[Procedure title]]` and `[[3/ii/final-friday-training]]` links between procedures.

A link is resolved when its text is rendered (`render_markdown`, so in `Revision.save()`):
- `[[3/ii/slug]]` names one procedure by volume, section numeral and slug;
- `[[Title]]` matches titles ignoring case and spacing. When several procedures share the
  title ("Intro Notes" opens many sections), the one in the linking procedure's own section
  wins; if that does not settle it, the link is marked ambiguous and leads to a search for
  the title, so the reader can choose;
- `[[target|label]]` shows `label` instead of the target text.
A link that names no procedure renders as visibly broken (class `wikilink-broken`) and leads
to a search for its text.

`ProcedureLink` rows record the links in each procedure's *approved* text ("Linked from" reads
them). `update_links()` rewrites them, re-rendering the approved text so its links are
current; `search.index_procedure` calls it on every approval. Procedures are added and renamed
outside the workflow (admin, fixtures), so a link that was broken may become valid later:
`refresh_links_to(procedure)` re-resolves every link naming that procedure's title or path (or
pointing at it), and `manage.py rebuild_search_index` re-resolves them all.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

if TYPE_CHECKING:
    from .models import Procedure

LINK_PATTERN = r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]"
PATH_RE = re.compile(
    r"^\s*(\d{1,4})\s*/\s*([ivxlcdm]{1,10})\s*/\s*([-a-z0-9_]{1,200})\s*/?\s*$", re.I
)

OK, MISSING, AMBIGUOUS = "ok", "missing", "ambiguous"


def link_key(text: str) -> str:
    """Return the normalised form of a link's target text: "3/ii/slug" or the folded title."""
    path = PATH_RE.match(text)
    if path:
        volume, numeral, slug = path.groups()
        return f"{int(volume)}/{numeral.lower()}/{slug.lower()}"
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class LinkTarget:
    key: str
    state: str  # OK, MISSING or AMBIGUOUS
    procedure_id: int | None = None
    url: str = ""
    title: str = ""


def _search_url(text: str) -> str:
    from django.urls import reverse

    return reverse("procedures:search") + "?" + urlencode({"q": text})


class Resolver:
    """Resolve link text to procedures, remembering answers for one render (or one rebuild)."""

    def __init__(self, *, source_procedure_id: int | None = None):
        self.source_procedure_id = source_procedure_id
        self._source_section_id: int | None = None
        self._cache: dict[str, LinkTarget] = {}
        self._by_title: dict[str, list[Procedure]] | None = None
        self._by_path: dict[str, Procedure] | None = None

    @classmethod
    def for_everything(cls) -> Resolver:
        """Return a resolver that reads every procedure once, for re-resolving many links."""
        from .models import Procedure

        resolver = cls()
        resolver._by_title, resolver._by_path = {}, {}
        for procedure in Procedure.objects.with_place().only(
            "pk", "title", "slug", "section", "section__numeral", "section__volume__number"
        ):
            resolver._by_title.setdefault(link_key(procedure.title), []).append(procedure)
            resolver._by_path[procedure.path] = procedure
        return resolver

    def with_source(self, procedure: Procedure) -> Resolver:
        """Return this resolver for links written in `procedure` (same-section preference)."""
        self.source_procedure_id = procedure.pk
        self._source_section_id = procedure.section_id
        self._cache = {}
        return self

    def source_section_id(self) -> int | None:
        if self._source_section_id is None and self.source_procedure_id is not None:
            from .models import Procedure

            self._source_section_id = (
                Procedure.objects.filter(pk=self.source_procedure_id)
                .values_list("section_id", flat=True)
                .first()
            )
        return self._source_section_id

    def _candidates(self, key: str) -> list[Procedure]:
        from .models import Procedure

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

    def resolve(self, text: str) -> LinkTarget:
        key = link_key(text)
        if key not in self._cache:
            self._cache[key] = self._resolve(key)
        return self._cache[key]

    def _resolve(self, key: str) -> LinkTarget:
        candidates = self._candidates(key)
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
            state=OK,
            procedure_id=procedure.pk,
            url=procedure.get_absolute_url(),
            title=procedure.title,
        )


class WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern, md, resolver: Resolver):
        super().__init__(pattern, md)
        self.resolver = resolver

    def handleMatch(self, m, data):
        target_text, label = m.group(1).strip(), (m.group(2) or "").strip()
        if not target_text:
            return None, None, None
        target = self.resolver.resolve(target_text)
        self.md.wikilinks.append(target)
        element = etree.Element("a")
        if target.state == OK:
            element.set("class", "wikilink")
            element.set("href", target.url)
            shown = label or (target.title if PATH_RE.match(target_text) else target_text)
        elif target.state == AMBIGUOUS:
            element.set("class", "wikilink wikilink-ambiguous")
            element.set("href", _search_url(f'"{target_text}"'))
            element.set("title", f"Several procedures are called “{target_text}”: choose one")
            shown = label or target_text
        else:
            element.set("class", "wikilink wikilink-broken")
            element.set("href", _search_url(target_text))
            element.set("title", f"No procedure “{target_text}” in the manual (broken link)")
            shown = label or target_text
        element.text = AtomicString(shown)  # literal text, not more Markdown or HTML
        return element, m.start(0), m.end(0)


class WikiLinkExtension(Extension):
    def __init__(self, *, resolver: Resolver, **kwargs):
        self.resolver = resolver
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        self.md = md
        md.wikilinks = []
        md.registerExtension(self)
        # Above Markdown's own links (160), so [[x]] is not read as a reference link.
        md.inlinePatterns.register(
            WikiLinkProcessor(LINK_PATTERN, md, self.resolver), "wikilink", 175
        )

    def reset(self):
        self.md.wikilinks = []


# --- the link table -----------------------------------------------------------------------


def update_links(procedure: Procedure, *, resolver: Resolver | None = None) -> None:
    """Re-resolve the links in the procedure's approved text, re-render that text if a link
    changed, and record the links for "Linked from"."""
    from .markdown import render_markdown
    from .models import ProcedureLink, Revision

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
    from .models import Procedure as ProcedureModel
    from .models import ProcedureLink

    keys = {link_key(procedure.title), procedure.path}
    sources = ProcedureModel.objects.filter(
        pk__in=ProcedureLink.objects.filter(target_key__in=keys).values("source")
    ) | ProcedureModel.objects.filter(
        pk__in=ProcedureLink.objects.filter(target=procedure).values("source")
    )
    count = 0
    for source in sources.distinct():
        update_links(source)
        count += 1
    return count


def refresh_all_links() -> int:
    """Re-resolve the links in every procedure's approved text; return how many link."""
    from .models import Procedure, ProcedureLink

    ProcedureLink.objects.exclude(source__current_revision__body__contains="[[").delete()
    resolver = Resolver.for_everything()
    count = 0
    for procedure in Procedure.objects.filter(current_revision__body__contains="[[").only(
        "pk", "section_id", "current_revision_id"
    ):
        update_links(procedure, resolver=resolver)
        count += 1
    return count
