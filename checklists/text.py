"""A procedure's Markdown task items (`- [ ] step`) as the steps of a checklist run.

Pure functions of text, no Django: the text is rendered (and sanitised) by
procedures.text.markdown, so a box inside a code block is no step, and each step's HTML is
taken from that sanitised output and sanitised again after it is cut out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

from procedures.text.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    URL_SCHEMES,
    render_markdown,
)

VOID = {"br", "hr", "img", "input", "wbr"}
HEADINGS = {f"h{level}" for level in range(1, 7)}
LISTS = {"ul", "ol"}
MAX_GROUP = 200


@dataclass(frozen=True)
class StepSpec:
    """One step: its heading group, how deep it is nested (0 = top) and its safe HTML."""

    group: str
    depth: int
    html: str


@dataclass
class _Node:
    tag: str
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    children: list[_Node | str] = field(default_factory=list)

    def css(self) -> set[str]:
        return set((dict(self.attrs).get("class") or "").split())


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, attrs))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(html.escape(data, quote=False))

    def handle_entityref(self, name):
        self.stack[-1].children.append(f"&{name};")

    def handle_charref(self, name):
        self.stack[-1].children.append(f"&#{name};")


def _serialise(node: _Node | str) -> str:
    if isinstance(node, str):
        return node
    attrs = "".join(
        f' {name}="{html.escape(value or "", quote=True)}"' for name, value in node.attrs
    )
    inner = "".join(_serialise(child) for child in node.children)
    return (
        f"<{node.tag}{attrs}>" if node.tag in VOID else f"<{node.tag}{attrs}>{inner}</{node.tag}>"
    )


def _text(node: _Node | str) -> str:
    if isinstance(node, str):
        return html.unescape(node)
    if node.tag == "a" and "headerlink" in node.css():
        return ""
    return "".join(_text(child) for child in node.children)


def _own_content(item: _Node) -> str:
    """Return the item's own HTML: no checkbox, no nested lists, paragraphs unwrapped."""
    parts: list[str] = []
    for child in item.children:
        if isinstance(child, _Node) and child.tag in LISTS:
            continue
        if isinstance(child, _Node) and child.tag == "input":
            continue
        if isinstance(child, _Node) and child.tag == "p":
            inner = [c for c in child.children if not (isinstance(c, _Node) and c.tag == "input")]
            parts.append(
                ("<br>" if "".join(parts).strip() else "") + "".join(_serialise(c) for c in inner)
            )
            continue
        parts.append(_serialise(child))
    return "".join(parts).strip()


def sanitise(fragment: str) -> str:
    """Return an HTML fragment cleaned with the rules the manual's text is cleaned with."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS - {"input"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def extract_steps(source: str) -> list[StepSpec]:
    """Return the task items of a Markdown text as steps, in order, grouped by heading."""
    builder = _TreeBuilder()
    builder.feed(render_markdown(source).html)
    builder.close()
    steps: list[StepSpec] = []
    group = ""

    def walk(node: _Node, depth: int) -> None:
        nonlocal group
        for child in node.children:
            if not isinstance(child, _Node) or child.tag in {"pre", "code"}:
                continue
            if child.tag in HEADINGS:
                group = " ".join(_text(child).split())[:MAX_GROUP]
                continue
            if child.tag == "li" and "task-list-item" in child.css():
                steps.append(StepSpec(group=group, depth=depth, html=sanitise(_own_content(child))))
                walk(child, depth + 1)
                continue
            walk(child, depth)

    walk(builder.root, 0)
    return steps


def has_steps(source: str) -> bool:
    """Return whether a Markdown text has at least one task item."""
    return bool(extract_steps(source))
