"""The menu's reading counts: what the user still has to acknowledge and, for editors, their
rejected work to revise. Both come from the user's reading state (`reading.reading_state`):
ONE cache lookup per request, made only if a page asks."""

from functools import cached_property

from . import reading


class ReadingNav:
    def __init__(self, user):
        self.user = user

    @cached_property
    def state(self) -> reading.ReadingState:
        return reading.reading_state(self.user)

    @property
    def to_read(self) -> int:
        return self.state.count

    @property
    def rejected(self) -> int:
        return self.state.rejected


def reading_nav(request) -> dict:
    user = getattr(request, "user", None)
    return {"reading_nav": ReadingNav(user) if user is not None else None}
