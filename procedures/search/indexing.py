"""Keeping the search entries in step with the approved text."""

from __future__ import annotations

import html
import re

from django.db import connection as default_connection
from django.db import transaction

from ..models import Procedure, Revision
from .backends import current_backend

# Inline elements join their text to the neighbours'; every other tag separates words.
_INLINE_TAGS = "a|abbr|b|code|del|em|i|ins|kbd|mark|s|small|span|strong|sub|sup"
_HEADERLINK = re.compile(r'<a class="headerlink"(?:[^>"]|"[^"]*")*>.*?</a>', re.S)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})\b(?:[^>\"]|\"[^\"]*\")*>", re.I)
_ANY_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def plain_text(body_html: str) -> str:
    """Return the words of sanitised procedure HTML as plain text, for indexing."""
    text = _HEADERLINK.sub("", body_html or "")
    text = _ANY_TAG.sub(" ", _INLINE_TAG.sub("", text))
    text = _CONTROL.sub(" ", html.unescape(text))
    return _SPACES.sub(" ", text).strip()


def _approved_entry(procedure: Procedure) -> tuple[int, str, str]:
    body_html = (
        Revision.objects.filter(
            pk=procedure.current_revision_id, status=Revision.Status.APPROVED
        ).values_list("body_html", flat=True)
    ).first()
    return (procedure.pk, procedure.title, plain_text(body_html or ""))


def index_procedure(procedure: Procedure) -> None:
    """Bring the procedure's search entry in step with its current approved revision (title
    only when it has none). Safe inside the approving transaction; links first
    (`linking.update_links` may re-render the approved text this reads). An archived
    procedure has no entry: search does not find it."""
    if procedure.is_archived:
        current_backend().remove([procedure.pk])
        return
    current_backend().write([_approved_entry(procedure)])


def rebuild_index(*, batch_size: int = 500) -> int:
    """Re-create every procedure's entry from its approved text; return how many."""
    backend = current_backend()
    count = 0
    with transaction.atomic():
        backend.install_triggers(default_connection)
        backend.clear()
        procedures = (
            Procedure.objects.in_use()
            .order_by("pk")
            .values_list("pk", "title", "current_revision__body_html", "current_revision__status")
        )
        batch: list[tuple[int, str, str]] = []
        for pk, title, body_html, status in procedures.iterator(chunk_size=batch_size):
            body = plain_text(body_html) if status == "approved" else ""
            batch.append((pk, title, body))
            if len(batch) >= batch_size:
                backend.write(batch)
                count += len(batch)
                batch = []
        backend.write(batch)
        count += len(batch)
    return count
