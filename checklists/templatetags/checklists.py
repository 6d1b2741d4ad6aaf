"""Template helpers of checklists: the ticket reference as a link to the PSA."""

from urllib.parse import quote

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def ticket_link(ticket: str):
    """Return the ticket reference, linked when SOP_TICKET_URL_PATTERN is set."""
    pattern = settings.SOP_TICKET_URL_PATTERN
    if not ticket:
        return ""
    if not pattern.startswith(("https://", "http://")) or "{ticket}" not in pattern:
        return ticket
    url = pattern.replace("{ticket}", quote(ticket, safe=""))
    return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, ticket)
