"""Where a person's reading state is cached, and the version of it their own acknowledgements
give a new value (the manual's and work's versions come from `procedures.caching`)."""

from __future__ import annotations


def reading_state(person_id: int) -> str:
    return f"compliance:reading-state:{person_id}"


def person_version(person_id: int) -> str:
    return f"compliance:reading-version:{person_id}"
