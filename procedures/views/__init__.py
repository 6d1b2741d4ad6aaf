"""Views: thin. Parse the request, call a queryset or a workflow function, render."""

from .bookmarks import FavouriteView, ViewedView
from .editing import (
    AutosaveView,
    DiscardView,
    DraftEditView,
    EditEntryView,
    PreviewView,
    ProcedureCreateView,
    RestoreView,
    StartDraftView,
    SubmitView,
    UpdateView,
    WithdrawView,
)
from .finding import ProcedureListView, ProcedureTitlesView, SearchView
from .history import CompareView, HistoryView, MyWorkView, RevisionView
from .reading import ContentsView, ProcedureView, SectionView, VolumeView
from .review import ApproveView, RejectView, ReviewQueueView, ReviewView

__all__ = [
    "ApproveView",
    "AutosaveView",
    "CompareView",
    "ContentsView",
    "DiscardView",
    "DraftEditView",
    "EditEntryView",
    "FavouriteView",
    "HistoryView",
    "MyWorkView",
    "PreviewView",
    "ProcedureCreateView",
    "ProcedureListView",
    "ProcedureTitlesView",
    "ProcedureView",
    "RejectView",
    "RestoreView",
    "ReviewQueueView",
    "ReviewView",
    "RevisionView",
    "SearchView",
    "SectionView",
    "StartDraftView",
    "SubmitView",
    "UpdateView",
    "ViewedView",
    "VolumeView",
    "WithdrawView",
]
