"""{% review_dates procedure_id %} on the procedure page (inside its fragment cached per
version of the manual: the same for every reader) and {% my_reviews user %} on My work."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("compliance/_review_dates.html")
def review_dates(procedure_id):
    """Last approved, last reviewed and next review date (one query); the header above it
    names the owner."""
    return {"dates": selectors.procedure_review(procedure_id), "on_procedure_page": True}


@register.inclusion_tag("compliance/_my_reviews.html")
def my_reviews(user):
    """The user's own procedures overdue or due for review soon (one query)."""
    return {"rows": selectors.owned_due(user)}
