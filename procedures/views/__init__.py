"""Views: thin. Parse the request, call a queryset or a workflow function, render."""

from .finding import ProcedureListView, SearchView
from .reading import ContentsView, ProcedureView, SectionView, VolumeView

__all__ = [
    "ContentsView",
    "ProcedureListView",
    "ProcedureView",
    "SearchView",
    "SectionView",
    "VolumeView",
]
