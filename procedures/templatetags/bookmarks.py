"""{% bookmarks_panel %}: the contents page's "Your favourites" and "Recently viewed".

On a reader's page served from the whole-page cache (the context then holds the username
placeholder) it is a placeholder, filled in for each reader from their bookmarks (ONE cache
lookup, `caching.readers.bookmarks`) by `panel`; on any other page it is rendered at once."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ..caching import pages
from ..caching.readers import bookmarks
from ..caching.toc import book

register = template.Library()

SHOWN = 5  # of each list; My work has them all


def panel(request, argument: str = "") -> str:
    """Return the reader's panel (escaped template), or "" when they have no bookmarks."""
    if not request.user.is_authenticated:
        return ""
    mine, current = bookmarks(request.user.pk), book()
    favourites = [entry for entry in current.procedures if entry.pk in mine.favourites]
    recent = [entry for entry in map(current.entry, mine.recent) if entry is not None]
    if not (favourites or recent):
        return ""
    context = {"favourites": favourites[:SHOWN], "recent": recent[:SHOWN],
               "more": len(favourites) > SHOWN or len(recent) > SHOWN}  # fmt: skip
    return render_to_string("procedures/_bookmarks_panel.html", context)


@register.simple_tag(takes_context=True)
def bookmarks_panel(context):
    if context.get("nav_username") == pages.USERNAME:
        return mark_safe(pages.slot("bookmarks"))  # noqa: S308 (our placeholder)
    request = context.get("request")
    if request is None:
        return ""
    return mark_safe(panel(request))  # noqa: S308 (escaped template)
