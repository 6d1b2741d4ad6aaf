"""Template context for every page: what the menu offers this user."""

from functools import cached_property

from django.contrib.auth.models import AnonymousUser

from .caching.work import in_review
from .workflow import policy


class WorkflowNav:
    """The user's roles and the review queue's length, worked out only if a page asks."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def can_edit(self) -> bool:
        return policy.can_edit(self.user)

    @cached_property
    def can_create(self) -> bool:
        return policy.can_create(self.user)

    @cached_property
    def can_review(self) -> bool:
        return policy.can_review(self.user)

    @cached_property
    def can_reorganise(self) -> bool:
        return policy.can_reorganise(self.user)

    @cached_property
    def can_open_admin(self) -> bool:
        return policy.can_open_admin(self.user)

    @cached_property
    def review_count(self) -> int:
        return sum(len(pending) for pending in in_review().values())


def workflow_nav(request) -> dict:
    return {"workflow_nav": WorkflowNav(getattr(request, "user", None) or AnonymousUser())}
