"""Domain errors of the workflow. Views turn them into a message and a 4xx, never a 500."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError

if TYPE_CHECKING:
    from ..models import Revision

# Refusals caused by what the user typed (400); any other workflow refusal is a conflict
# with the revision's current state (409).
INPUT_ERROR_CODES = frozenset(
    {
        "required",
        "summary",
        "comment",
        "too_large",
        "conflicts",
        "title",
        "section",
        "reason",
        "change",
        "mark",
        "template_choice",
    }
)


class WorkflowError(ValidationError):
    """The transition is not possible in the revision's current state."""


class NotAllowed(PermissionDenied):
    """The acting user may not do this."""


class StaleEdit(WorkflowError):
    """The draft was saved meanwhile (another tab); the form's text was not saved."""

    def __init__(self, message: str, *, current: Revision):
        super().__init__(message, code="stale")
        self.current = current


class OutOfDate(WorkflowError):
    """Another revision was approved after this one started; it must be brought up to date."""

    def __init__(self, message: str, *, revision: Revision):
        super().__init__(message, code="out_of_date")
        self.revision = revision


class AmbiguousTitle(WorkflowError):
    """The title is used in another section and `[[links]]` naming it would become ambiguous:
    the change needs confirming. `sources` are the procedures whose links it concerns."""

    def __init__(self, message: str, *, sources: list):
        super().__init__(message, code="ambiguous")
        self.sources = sources


def is_input_error(exc: Exception) -> bool:
    """Return whether a refusal was caused by what the user typed (rather than by state)."""
    return isinstance(exc, ValidationError) and getattr(exc, "code", None) in INPUT_ERROR_CODES
