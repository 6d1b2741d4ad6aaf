"""Domain errors of attachments. Views turn them into a message (or JSON) and a 4xx."""

from django.core.exceptions import ValidationError

from procedures import workflow


class AttachmentRefused(ValidationError):
    """The file cannot be stored: its content, type, name or size is not accepted."""


class TooLarge(AttachmentRefused):
    """The file is over settings.SOP_ATTACHMENT_MAX_BYTES."""


# Who may do what is the policy's business; refusals are the workflow's NotAllowed.
NotAllowed = workflow.NotAllowed
