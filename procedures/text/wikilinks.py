"""`[[Procedure title]]` and `[[3/ii/final-friday-training]]` links: the parser (no database).

What a link names is the resolver's answer, handed in (`procedures.linking.Resolver` reads
the database); this module only finds links in Markdown and writes their HTML:
- `[[3/ii/slug]]` names one procedure by volume, section numeral and slug;
- `[[Title]]` matches titles ignoring case and spacing. When several procedures share the
  title ("Intro Notes" opens many sections), the one in the linking procedure's own section
  wins; if that does not settle it, the link is marked ambiguous and leads to a search for
  the title, so the reader can choose;
- `[[target|label]]` shows `label` instead of the target text.
- A link to an archived procedure still leads to it, marked "(archived)".
A link that names no procedure renders as visibly broken (class `wikilink-broken`) and leads
to a search for its text.

The link table ("Linked from") and re-resolving links when procedures come and go are in
`procedures.linking`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from typing import Protocol

from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

LINK_PATTERN = r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]"
PATH_RE = re.compile(
    r"^\s*(\d{1,4})\s*/\s*([ivxlcdm]{1,10})\s*/\s*([-a-z0-9_]{1,200})\s*/?\s*$", re.I
)

OK, MISSING, AMBIGUOUS, ARCHIVED = "ok", "missing", "ambiguous", "archived"


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
    state: str  # OK, MISSING, AMBIGUOUS or ARCHIVED (leads to the page, marked archived)
    procedure_id: int | None = None
    url: str = ""
    title: str = ""


class Resolver(Protocol):
    """Anything that says where link text leads; `procedures.linking.Resolver` asks the
    database."""

    def resolve(self, text: str) -> LinkTarget: ...

    def search_url(self, text: str) -> str:
        """Return the address of a search for `text` (where a broken link leads)."""
        ...


class WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern, md, resolver: Resolver | None):
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
        elif target.state == ARCHIVED:
            element.set("class", "wikilink wikilink-archived")
            element.set("href", target.url)
            shown = label or (target.title if PATH_RE.match(target_text) else target_text)
            element.set("title", f"“{target.title}” is archived: no longer in use")
            shown = f"{shown} (archived)"
        elif target.state == AMBIGUOUS:
            element.set("class", "wikilink wikilink-ambiguous")
            element.set("href", self.resolver.search_url(f'"{target_text}"'))
            element.set("title", f"Several procedures are called “{target_text}”: choose one")
            shown = label or target_text
        else:
            element.set("class", "wikilink wikilink-broken")
            element.set("href", self.resolver.search_url(target_text))
            element.set("title", f"No procedure “{target_text}” in the manual (broken link)")
            shown = label or target_text
        element.text = AtomicString(shown)  # literal text, not more Markdown or HTML
        return element, m.start(0), m.end(0)


class WikiLinkExtension(Extension):
    def __init__(self, *, resolver: Resolver | None, **kwargs):
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
