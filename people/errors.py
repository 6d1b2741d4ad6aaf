"""Domain errors of people/. Views turn them into a message and a 4xx, never a 500."""

from procedures import workflow


class PeopleError(workflow.WorkflowError):
    """The change is not possible (a duplicate address, a role that does not exist...)."""


NotAllowed = workflow.NotAllowed
