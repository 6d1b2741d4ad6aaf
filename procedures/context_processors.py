"""Template context for every page: what the menu offers this user."""

from functools import cached_property

from django.contrib.auth.models import AnonymousUser

from . import workflow
from .navigation import in_review


class WorkflowNav:
    """The user's roles and the review queue's length, worked out only if a page asks."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def can_edit(self) -> bool:
        return workflow.can_edit(self.user)

    @cached_property
    def can_create(self) -> bool:
        return workflow.can_create(self.user)

    @cached_property
    def can_review(self) -> bool:
        return workflow.can_review(self.user)

    @cached_property
    def review_count(self) -> int:
        return sum(len(pending) for pending in in_review().values())


def workflow_nav(request) -> dict:
    return {"workflow_nav": WorkflowNav(getattr(request, "user", None) or AnonymousUser())}
