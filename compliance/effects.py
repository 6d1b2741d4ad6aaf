"""What follows a change of owner or review cycle: every reader's procedure page shows it."""

from __future__ import annotations

from procedures.workflow import effects


def review_cycle_changed() -> None:
    """Owners and review dates are shown on cached reading pages: give them a new version."""
    effects.manual_changed()
