"""{% attached_files revision %} and {% attachment_changes old new %}: the files of a
revision's text, and the files added and removed between two revisions."""

from django import template

from ..processing import human_size
from ..selectors import attachment_changes as changes_between
from ..selectors import attachments_in_text

register = template.Library()


@register.filter
def filesize(size: int) -> str:
    return human_size(size or 0)


@register.inclusion_tag("attachments/_list.html")
def attached_files(revision):
    """The files a revision's text refers to (one query; none without a revision)."""
    return {"attachments": attachments_in_text(revision.pk) if revision else []}


@register.inclusion_tag("attachments/_changes.html")
def attachment_changes(old, new):
    """Files and images the new revision adds and removes (one query)."""
    return {"changes": changes_between(old, new) if new else None}
