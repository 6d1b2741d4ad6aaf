"""Refusals of the review cycle's transitions. Views turn them into a message and a 4xx."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


class ReviewNotAllowed(PermissionDenied):
    """The acting user may not do this (403)."""


class ReviewRefused(ValidationError):
    """The input or the procedure's state does not allow it (400 for input, else 409)."""


class AcknowledgementRefused(ValidationError):
    """An acknowledgement that cannot be recorded (a superseded revision, twice ...): 409,
    or 400 for input that names nothing (a revision number that is not one)."""


INPUT_ERROR_CODES = frozenset({"interval", "owner", "comment", "due_days", "groups", "revision"})


def status_for(exc: Exception) -> int:
    """Return the HTTP status for a refusal: 403, 400 (what was typed) or 409 (state)."""
    if isinstance(exc, PermissionDenied):
        return 403
    return 400 if getattr(exc, "code", None) in INPUT_ERROR_CODES else 409
