"""The manual's models; import them from here (`from procedures.models import Procedure`)."""

from .links import ProcedureLink
from .manual import Procedure, ProcedureQuerySet, Section, Volume
from .readers import Favourite, RecentView
from .reorganising import ProcedureEvent, ProcedureFormerPlace
from .revisions import Revision, RevisionEvent, RevisionQuerySet
from .search import SearchEntry

__all__ = [
    "Favourite",
    "Procedure",
    "ProcedureEvent",
    "ProcedureFormerPlace",
    "ProcedureLink",
    "ProcedureQuerySet",
    "RecentView",
    "Revision",
    "RevisionEvent",
    "RevisionQuerySet",
    "SearchEntry",
    "Section",
    "Volume",
]
