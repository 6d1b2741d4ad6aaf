"""The one place Markdown becomes HTML: rendered, then sanitised with nh3."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import markdown
import nh3

from .wikilinks import LinkTarget, Resolver, WikiLinkExtension

EXTENSIONS = [
    "markdown.extensions.tables",
    "markdown.extensions.fenced_code",
    "markdown.extensions.admonition",
    "markdown.extensions.sane_lists",
    "markdown.extensions.toc",
    "pymdownx.tasklist",
    "pymdownx.tilde",
]
EXTENSION_CONFIGS = {
    "markdown.extensions.toc": {"permalink": "#", "permalink_title": "Link to this heading"},
    "pymdownx.tasklist": {"custom_checkbox": False, "clickable_checkbox": False},
    # align="..." rather than style="text-align: ...": the CSP allows no inline styles.
    "markdown.extensions.tables": {"use_align_attribute": True},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"title"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "input": {"checked", "disabled"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}
# Classes only where the renderer writes them, so user HTML cannot borrow the page's
# layout classes (a fixed-position overlay, a fake login form).
ADMONITION_KINDS = {
    "note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error",
}  # fmt: skip
ALLOWED_CLASSES = {
    "div": {"admonition", "toc", *ADMONITION_KINDS},
    "p": {"admonition-title"},
    "ul": {"task-list"},
    "li": {"task-list-item"},
    "a": {"headerlink", "wikilink", "wikilink-broken", "wikilink-ambiguous", "wikilink-archived"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


# Parsers built once per thread and reused, reset before each text: building one (its
# extensions and their patterns) costs a quarter of rendering a 20 KB procedure.
_idle = threading.local()


def _parser(*, linked: bool) -> markdown.Markdown:
    """Return an idle parser of this thread (one in use, by a render inside a render, is
    never handed out twice)."""
    parsers = _idle.__dict__.setdefault("parsers", [])
    for index, md in enumerate(parsers):
        if ("wikilink" in md.inlinePatterns) == linked:
            return parsers.pop(index)
    extensions = [*EXTENSIONS]
    if linked:
        extensions.append(WikiLinkExtension(resolver=None))
    return markdown.Markdown(extensions=extensions, extension_configs=EXTENSION_CONFIGS)


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc_html: str
    # The [[wiki links]] in the text, in order, as they resolved.
    links: tuple[LinkTarget, ...] = ()


def sanitise(html: str, *, allowed_classes: dict[str, set[str]] = ALLOWED_CLASSES) -> str:
    """Return `html` with everything but the allowed tags, attributes and classes removed."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=allowed_classes,
        # Task-list checkboxes are the only inputs; they are always disabled.
        tag_attribute_values={"input": {"type": {"checkbox"}}},
        set_tag_attribute_values={"input": {"disabled": "disabled"}},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str, *, resolver: Resolver | None = None) -> RenderedMarkdown:
    """Return the sanitised HTML of a Markdown source and of its contents list.

    `[[wiki links]]` are resolved by `resolver` (`procedures.linking.render` hands in one that
    reads the database); without one they stay as typed.
    """
    if not source or not source.strip():
        return RenderedMarkdown(html="", toc_html="")  # a new draft: no parser to build
    md = _parser(linked=resolver is not None)
    if resolver is not None:
        md.inlinePatterns["wikilink"].resolver = resolver
    try:
        html = md.reset().convert(source)
        toc_html = md.toc if getattr(md, "toc_tokens", None) else ""
        links = tuple(getattr(md, "wikilinks", ()))
    finally:
        if resolver is not None:
            md.inlinePatterns["wikilink"].resolver = None  # nothing of this render kept
        _idle.parsers.append(md)
    return RenderedMarkdown(html=sanitise(html), toc_html=sanitise(toc_html), links=links)
