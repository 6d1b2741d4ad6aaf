"""Domain errors of transfer. Views turn them into a message and a 4xx."""

from django.core.exceptions import ValidationError

from procedures import workflow


class ImportRefused(ValidationError):
    """The archive cannot be imported; `problems` says which file and why."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__([f"{name}: {reason}" for name, reason in problems], code="refused")


class NotFound(ValidationError):
    """What was asked to be exported does not exist."""


NotAllowed = workflow.NotAllowed
