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
from .reorganising import (
    ArchiveView,
    MarkTemplateView,
    ReorganiseView,
    SectionOrderView,
    SectionTemplateView,
    VolumeOrderView,
)
from .review import ApproveView, RejectView, ReviewQueueView, ReviewView

__all__ = [
    "ApproveView",
    "ArchiveView",
    "AutosaveView",
    "CompareView",
    "ContentsView",
    "DiscardView",
    "DraftEditView",
    "EditEntryView",
    "FavouriteView",
    "HistoryView",
    "MarkTemplateView",
    "MyWorkView",
    "PreviewView",
    "ProcedureCreateView",
    "ProcedureListView",
    "ProcedureTitlesView",
    "ProcedureView",
    "RejectView",
    "ReorganiseView",
    "RestoreView",
    "ReviewQueueView",
    "ReviewView",
    "RevisionView",
    "SearchView",
    "SectionOrderView",
    "SectionTemplateView",
    "SectionView",
    "StartDraftView",
    "SubmitView",
    "UpdateView",
    "ViewedView",
    "VolumeOrderView",
    "VolumeView",
    "WithdrawView",
]
