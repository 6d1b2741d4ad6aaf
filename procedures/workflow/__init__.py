"""The workflow: who may do what (`policy`), every state change (`transitions`), what follows a
change (`effects`), its errors and its mail.

The names other code uses are re-exported here, so `from procedures import workflow` and
`workflow.can_see(revision, user)` or `workflow.revision_approve(...)` read as one API.
"""

from .errors import NotAllowed, OutOfDate, StaleEdit, WorkflowError, is_input_error
from .policy import (
    allowed_actions,
    can_create,
    can_edit,
    can_open_admin,
    can_read,
    can_review,
    can_see,
    decision_refusal,
    is_author,
    self_approval_allowed,
)
from .transitions import (
    MergeResult,
    SaveAndUpdateResult,
    SaveThenSubmitResult,
    check_body_size,
    procedure_create,
    procedure_favourite,
    procedure_record_view,
    revision_approve,
    revision_discard,
    revision_reject,
    revision_restore,
    revision_save_and_submit,
    revision_save_and_update,
    revision_save_draft,
    revision_save_then_submit,
    revision_start_draft,
    revision_submit,
    revision_update,
    revision_withdraw,
)

__all__ = [
    "MergeResult",
    "NotAllowed",
    "OutOfDate",
    "SaveAndUpdateResult",
    "SaveThenSubmitResult",
    "StaleEdit",
    "WorkflowError",
    "allowed_actions",
    "can_create",
    "can_edit",
    "can_open_admin",
    "can_read",
    "can_review",
    "can_see",
    "check_body_size",
    "decision_refusal",
    "is_author",
    "is_input_error",
    "procedure_create",
    "procedure_favourite",
    "procedure_record_view",
    "revision_approve",
    "revision_discard",
    "revision_reject",
    "revision_restore",
    "revision_save_and_submit",
    "revision_save_and_update",
    "revision_save_draft",
    "revision_save_then_submit",
    "revision_start_draft",
    "revision_submit",
    "revision_update",
    "revision_withdraw",
    "self_approval_allowed",
]
