"""Shared by the view tests: URLs of procedure and revision pages, and what a page says."""

from django.contrib.messages import get_messages
from django.urls import reverse

from procedures.models import Revision

# Every URL name that changes state: POST only.
POST_ONLY = [
    "start_draft",
    "submit",
    "withdraw",
    "approve",
    "reject",
    "restore",
    "discard",
    "update",
    "preview",
    "autosave",
]
REVISION_ACTIONS = ["submit", "withdraw", "approve", "reject", "restore", "discard", "update"]


def purl(name: str, procedure, query: str = "") -> str:
    """Return the URL of a procedure page (procedure, edit, history, compare, start_draft)."""
    return reverse(f"procedures:{name}", kwargs=procedure.url_kwargs()) + query


def rurl(name: str, revision: Revision) -> str:
    """Return the URL of a revision page or action."""
    return reverse(f"procedures:{name}", kwargs=revision.url_kwargs())


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def draft_form(revision: Revision, **data) -> dict:
    """Return the edit form's fields as a browser would post them."""
    return {
        "body": revision.body,
        "summary": revision.summary,
        "version": revision.version,
        "action": "save",
        **data,
    }
