"""Who may do what: every permission question in the project is answered here.

Views, templates (through `allowed_actions` and the menu), the page cache, the permission
cache, other apps and the transitions themselves ask these functions; none re-derives a rule.
Hiding a button is a courtesy; the transitions call these checks again as the guard.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from ..models import Revision

Status = Revision.Status

EDIT_PERMISSION = "procedures.add_revision"
CREATE_PERMISSION = "procedures.add_procedure"
REVIEW_PERMISSION = "procedures.approve_revision"


def can_read(user: AbstractBaseUser) -> bool:
    """Return whether the user may read the manual (any active user)."""
    return bool(user.is_authenticated and user.is_active)


def can_keep_bookmarks(user: AbstractBaseUser) -> bool:
    """Return whether the user may star procedures and have their reading remembered."""
    return can_read(user)


def can_edit(user: AbstractBaseUser) -> bool:
    """Return whether the user may write drafts (Editors, Approvers, superusers)."""
    return can_read(user) and user.has_perm(EDIT_PERMISSION)


def can_create(user: AbstractBaseUser) -> bool:
    """Return whether the user may add procedures to a section."""
    return can_read(user) and user.has_perm(CREATE_PERMISSION)


def can_review(user: AbstractBaseUser) -> bool:
    """Return whether the user may approve and reject revisions (Approvers, superusers)."""
    return can_read(user) and user.has_perm(REVIEW_PERMISSION)


def can_reorganise(user: AbstractBaseUser) -> bool:
    """Return whether the user may archive, restore, rename, move and reorder procedures and
    reorder sections (Approvers, superusers)."""
    return can_review(user)


def reorganise_refusal(user: AbstractBaseUser) -> str:
    """Return why the user may not reorganise the manual, or "" if they may."""
    if can_reorganise(user):
        return ""
    return "Only approvers can archive, restore, rename, move or reorder procedures."


def can_manage_templates(user: AbstractBaseUser) -> bool:
    """Return whether the user may mark procedures as templates and choose a section's
    default template (Approvers, superusers)."""
    return can_review(user)


def templates_refusal(user: AbstractBaseUser) -> str:
    """Return why the user may not manage templates, or "" if they may."""
    if can_manage_templates(user):
        return ""
    return "Only approvers can mark templates and choose a section's default template."


def can_open_admin(user: AbstractBaseUser) -> bool:
    """Return whether the menu offers the user Django's admin (staff)."""
    return can_read(user) and user.is_staff


def local_sign_in() -> str:
    """Return who may sign in with a password (SOP_LOCAL_LOGIN): "everyone",
    "administrators" (break-glass accounts only; everyone else uses the directory) or "off"."""
    return settings.SOP_LOCAL_LOGIN


def may_sign_in_with_password(user: AbstractBaseUser) -> bool:
    """Return whether the user may sign in with a password here, or have one mailed to reset."""
    mode = local_sign_in()
    if not user.is_active:
        return False
    if mode == "administrators":
        return bool(user.is_staff and user.is_superuser)
    return mode == "everyone"


def is_author(revision: Revision, user: AbstractBaseUser) -> bool:
    """Return whether the user wrote this revision."""
    return user.is_authenticated and revision.author_id == user.pk


def can_see(revision: Revision, user: AbstractBaseUser) -> bool:
    """Return whether the user may see this revision's text.

    Approved and superseded text is published history, open to every reader. Drafts are
    their author's; work in review and rejected work is visible to editors and approvers.
    """
    if not can_read(user):
        return False
    if revision.status in (Status.APPROVED, Status.SUPERSEDED):
        return True
    if is_author(revision, user):
        return True
    if revision.status == Status.DRAFT:
        return False
    return can_edit(user) or can_review(user)


def visibility_refusal(revision: Revision) -> str:
    """Return why someone who may not see a revision's text is refused it."""
    if revision.status == Status.DRAFT:
        return f"Revision {revision.number} is a draft; only its author can see it."
    return (
        f"Revision {revision.number} has not been approved; only editors and approvers can see it."
    )


def draft_edit_refusal(revision: Revision, user: AbstractBaseUser) -> str:
    """Return why the user may not open this revision's edit form, or "" if they may."""
    if not can_edit(user):
        return "Only editors can edit procedures."
    if not is_author(revision, user):
        return "Only its author can edit a draft."
    return ""


def self_approval_allowed() -> bool:
    """Return whether authors may approve their own revisions (SOP_ALLOW_SELF_APPROVAL)."""
    return bool(getattr(settings, "SOP_ALLOW_SELF_APPROVAL", False))


def decision_refusal(revision: Revision, user: AbstractBaseUser) -> str:
    """Return why the user may not approve or reject this revision, or "" if they may."""
    if not can_review(user):
        return "Only approvers can approve or reject revisions."
    if is_author(revision, user) and not self_approval_allowed():
        return (
            "Four-eyes rule: you cannot approve or reject your own revision. Ask another approver."
        )
    return ""


def allowed_actions(revision: Revision, user: AbstractBaseUser) -> set[str]:
    """Return the names of the transitions the user may try on this revision now.

    "revise" accompanies "restore" when the revision is the user's own rejected one: the
    same transition, offered under the name the author expects.
    """
    actions: set[str] = set()
    if not can_read(user):
        return actions
    own = is_author(revision, user)
    out_of_date = revision.based_on_id != revision.procedure.current_revision_id
    if revision.status == Status.DRAFT and own and can_edit(user):
        actions |= {"save", "submit", "discard"}
        if out_of_date:
            actions.add("update")
    elif revision.status == Status.IN_REVIEW:
        if own:
            actions.add("withdraw")
            if out_of_date:
                actions.add("update")
        if not decision_refusal(revision, user):
            actions |= {"approve", "reject"}
    if revision.status != Status.DRAFT and can_edit(user) and can_see(revision, user):
        actions.add("restore")
        if own and revision.status == Status.REJECTED:
            actions.add("revise")
    return actions


def reader_page_variant(user: AbstractBaseUser) -> str | None:
    """Return which cached copy of a reading page the user gets, or None for a page of their
    own: anyone who may change something sees their drafts, buttons and queue count."""
    if not can_read(user) or can_edit(user) or can_create(user) or can_review(user):
        return None
    variant = "staff" if can_open_admin(user) else "reader"
    # The menu offers "Change password" only to accounts whose password is kept here; a
    # directory account (LDAP, OpenID Connect) has no usable one.
    return variant if user.has_usable_password() else f"{variant}-directory"


def approvers() -> QuerySet:
    """Return the active users who may approve revisions."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="approve_revision")
            | Q(user_permissions__codename="approve_revision")
        )
        .distinct()
    )
