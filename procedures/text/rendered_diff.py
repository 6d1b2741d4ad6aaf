"""What readers will see change: two revisions' sanitised HTML compared block by block.

Each side is split into its top-level blocks (paragraphs, headings, lists, tables, code);
unchanged blocks are kept as they are, removed ones wrapped in `<del class="diff-del">`,
added ones in `<ins class="diff-ins">`. A list that changed is compared item by item, so one
new step does not mark the whole list. The result goes through nh3 again, with those two
classes allowed only here: the inputs came out of `render_markdown`, which strips every
class a writer could type, so the marks are always ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from html.parser import HTMLParser

from .markdown import ALLOWED_CLASSES, sanitise

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
LISTS = {"ul", "ol"}
# A removed heading keeps its text but not its id or its "#" permalink: the added heading
# of the same name owns the anchor.
HEADING_ID = re.compile(r'(<h[1-6])\s+id="[^"]*"')
HEADER_LINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
DIFF_CLASSES = {**ALLOWED_CLASSES, "ins": {"diff-ins"}, "del": {"diff-del"}}


@dataclass(frozen=True)
class RenderedDiff:
    html: str
    added: int  # blocks (or list items) added
    removed: int

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class _Block:
    tag: str  # "" for text between elements
    html: str
    inner: str  # for a list: what is between its tags

    @property
    def key(self) -> str:
        return " ".join(self.html.split())


class _Splitter(HTMLParser):
    """Find where each top-level element starts and ends in an HTML fragment."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        # Where each line starts: getpos() counts lines by "\n" only.
        self.lines = [0] + [m.end() for m in re.finditer("\n", source)]
        self.depth = 0
        self.spans: list[tuple[str, int, int]] = []
        self.start = 0
        self.tag = ""

    def position(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.start, self.tag = self.position(), tag
        if tag in VOID:
            if self.depth == 0:
                self.spans.append(
                    (tag, self.start, self.position() + len(self.get_starttag_text()))
                )
            return
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            start = self.position()
            self.spans.append((tag, start, start + len(self.get_starttag_text())))

    def handle_endtag(self, tag):
        if tag in VOID or self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0:
            end = self.source.index(">", self.position()) + 1
            self.spans.append((self.tag, self.start, end))

    def handle_data(self, data):
        if self.depth == 0 and data.strip():
            start = self.position()
            self.spans.append(("", start, start + len(data)))


def _blocks(html: str) -> list[_Block]:
    splitter = _Splitter(html)
    splitter.feed(html)
    splitter.close()
    blocks = []
    for tag, start, end in splitter.spans:
        text = html[start:end]
        inner = ""
        if tag in LISTS:
            inner = text[text.index(">") + 1 : text.rindex("</")]
        blocks.append(_Block(tag, text, inner))
    return blocks


def _removed(html: str) -> str:
    return HEADER_LINK.sub("", HEADING_ID.sub(r"\1", html))


def _compare(old: list[_Block], new: list[_Block], *, items: bool) -> tuple[list[str], int, int]:
    """Return the marked HTML pieces and the counts of added and removed blocks."""
    out: list[str] = []
    added = removed = 0
    matcher = SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(b.html for b in new[j1:j2])
            continue
        # A changed stretch: blocks of the same kind paired in order, so a changed list is
        # compared item by item and each changed paragraph is followed by its new form.
        olds, news = old[i1:i2], new[j1:j2]
        kinds = SequenceMatcher(None, [b.tag for b in olds], [b.tag for b in news], autojunk=False)
        for kind, k1, k2, m1, m2 in kinds.get_opcodes():
            if kind == "equal":
                pairs = list(zip(olds[k1:k2], news[m1:m2], strict=True))
            else:
                pairs = [(b, None) for b in olds[k1:k2]] + [(None, b) for b in news[m1:m2]]
            for before, after in pairs:
                if before is not None and after is not None and after.tag in LISTS:
                    opening = after.html[: after.html.index(">") + 1]
                    pieces, a, r = _compare(_blocks(before.inner), _blocks(after.inner), items=True)
                    out.append(opening + "".join(pieces) + f"</{after.tag}>")
                    added, removed = added + a, removed + r
                    continue
                if before is not None:
                    out.append(_mark(_removed(before.html), "del", before, items=items))
                    removed += 1
                if after is not None:
                    out.append(_mark(after.html, "ins", after, items=items))
                    added += 1
    return out, added, removed


def _mark(html: str, mark: str, block: _Block, *, items: bool) -> str:
    if items and block.tag == "li":
        # Inside a list only <li> may stand: the mark goes inside the item.
        opening = html[: html.index(">") + 1]
        inner = html[len(opening) : html.rindex("</")]
        return f'{opening}<{mark} class="diff-{mark}">{inner}</{mark}></li>'
    return f'<{mark} class="diff-{mark}">{html}</{mark}>'


def rendered_diff(old_html: str, new_html: str) -> RenderedDiff:
    """Return the new revision's HTML with the blocks added since the old one marked `<ins>`
    and those removed shown where they were, marked `<del>`; sanitised."""
    pieces, added, removed = _compare(_blocks(old_html or ""), _blocks(new_html or ""), items=False)
    html = sanitise("\n".join(pieces), allowed_classes=DIFF_CLASSES)
    return RenderedDiff(html=html, added=added, removed=removed)
