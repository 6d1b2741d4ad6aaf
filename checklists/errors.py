"""Domain errors of checklists. Views turn them into a message and a 4xx, never a 500."""

from django.core.exceptions import ValidationError

from procedures import workflow

# Who may do what is the policy's business; refusals are the workflow's NotAllowed.
NotAllowed = workflow.NotAllowed


class RunError(ValidationError):
    """The change is not possible in the run's (or step's) current state (409)."""


class StaleStep(RunError):
    """The step was changed by someone else since the page was loaded (409)."""

    def __init__(self, message: str, *, step):
        super().__init__(message, code="stale")
        self.step = step


class BadInput(ValidationError):
    """What was sent cannot be used (400)."""
