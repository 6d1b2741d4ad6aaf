"""{% review_dates procedure_id %} on the procedure page (inside its fragment cached per
version of the manual: the same for every reader) and {% my_reviews user %} on My work;
read acknowledgements: {% acknowledgement_panel procedure_id %}, {% to_read_menu %} and
{% my_reading user %}."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from procedures.caching import pages

from .. import reading, selectors

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


# Read acknowledgements. On a reader's page served from the whole-page cache
# (procedures.views.pagecache: the context then holds the username placeholder), the
# per-person parts are placeholders, filled in for each reader from their reading state
# (ONE cache lookup) by the slot functions below; on any other page they are rendered at once.


def _page_is_shared(context) -> bool:
    return context.get("nav_username") == pages.USERNAME


def _panel(request, procedure_id: int) -> str:
    state = reading.reading_state(request.user)
    concern = state.concerns.get(procedure_id)
    if concern is None:
        return ""
    context = {
        "concern": concern, "read": state.reads.get(procedure_id),
        "outstanding": state.outstanding(procedure_id), "today": timezone.localdate(),
        "ack_url": reverse("compliance:acknowledge", kwargs=concern.url_kwargs),
        "since_url": reverse("compliance:since_read", kwargs=concern.url_kwargs),
    }  # fmt: skip
    return render_to_string("compliance/_acknowledgement.html", context, request=request)


def acknowledgement_slot(request, argument: str) -> str:
    return _panel(request, int(argument)) if argument.isdigit() else ""


def to_read_slot(request, argument: str = "") -> str:
    if not request.user.is_authenticated:
        return ""
    state = reading.reading_state(request.user)
    return render_to_string("compliance/_to_read_menu.html", {"count": state.count})


@register.simple_tag(takes_context=True)
def acknowledgement_panel(context, procedure_id):
    """The procedure page's "I have read and understood revision N", or what the reader
    acknowledged and when, or what changed since; nothing if nobody asks it of them."""
    if _page_is_shared(context):
        return mark_safe(pages.slot("ack", procedure_id))  # noqa: S308 (our placeholder)
    request = context.get("request")
    if request is None:  # a page rendered outside a request (an export) has no reader
        return ""
    return mark_safe(_panel(request, procedure_id))  # noqa: S308 (escaped template)


@register.simple_tag(takes_context=True)
def to_read_menu(context):
    """The menu's "To read" with the reader's count."""
    if _page_is_shared(context):
        return mark_safe(pages.slot("to_read"))  # noqa: S308 (our placeholder)
    request = context.get("request")
    if request is None:
        return ""
    return mark_safe(to_read_slot(request))  # noqa: S308 (escaped template)


@register.inclusion_tag("compliance/_to_read_rows.html")
def my_reading(user):
    """What the user still has to acknowledge, for My work (one cache lookup)."""
    state = reading.reading_state(user)
    return {"rows": state.to_read(), "on_my_work": True}


@register.inclusion_tag("compliance/_acknowledgement_rule.html")
def acknowledgement_rule(procedure_id):
    """Who is asked to acknowledge the procedure and how soon (inside the procedure page's
    fragment cached per version of the manual: the same for every reader)."""
    rule, source = reading.rule_of_procedure(procedure_id)
    return {"rule": rule, "source": source}
