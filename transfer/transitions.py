"""The changes an import makes to the manual's structure that the workflow has no transition
for: adding a volume and a section. Procedures and revisions go through
procedures.workflow.transitions."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from procedures.models import Section, Volume
from procedures.workflow import effects

from . import policy
from .errors import NotAllowed


@transaction.atomic
def volume_create(*, number: int, title: str, user: AbstractBaseUser) -> Volume:
    """Add a volume to the manual (an import naming one that does not exist)."""
    if not policy.can_import(user):
        raise NotAllowed("Only administrators can add volumes.")
    volume = Volume.objects.create(number=number, title=title.strip() or f"Volume {number}")
    effects.manual_changed()
    return volume


@transaction.atomic
def section_create(
    *, volume: Volume, numeral: str, title: str, position: int, user: AbstractBaseUser
) -> Section:
    """Add a section to a volume (an import naming one that does not exist)."""
    if not policy.can_import(user):
        raise NotAllowed("Only administrators can add sections.")
    section = Section.objects.create(
        volume=Volume.objects.select_for_update().get(pk=volume.pk),
        numeral=numeral.upper(),
        title=title.strip() or f"Section {numeral.upper()}",
        position=position,
    )
    effects.manual_changed()
    return section
