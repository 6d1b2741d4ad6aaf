"""The manual's models; import them from here (`from procedures.models import Procedure`)."""

from .links import ProcedureLink
from .manual import Procedure, ProcedureQuerySet, Section, Volume
from .reorganising import ProcedureEvent, ProcedureFormerPlace
from .revisions import Revision, RevisionEvent, RevisionQuerySet
from .search import SearchEntry

__all__ = [
    "Procedure",
    "ProcedureEvent",
    "ProcedureFormerPlace",
    "ProcedureLink",
    "ProcedureQuerySet",
    "Revision",
    "RevisionEvent",
    "RevisionQuerySet",
    "SearchEntry",
    "Section",
    "Volume",
]
