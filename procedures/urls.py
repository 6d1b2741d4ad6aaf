from django.urls import path, register_converter

from . import views


class NumeralConverter:
    """A section's Roman numeral, lower case in URLs (`/manual/3/ii/`)."""

    regex = "[ivxlc]+"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value.lower()


register_converter(NumeralConverter, "numeral")

PROCEDURE = "manual/<int:volume>/<numeral:section>/<slug:slug>/"
REVISION = PROCEDURE + "revisions/<int:number>/"

app_name = "procedures"
urlpatterns = [
    path("", views.ContentsView.as_view(), name="contents"),
    path("procedures/", views.ProcedureListView.as_view(), name="procedure_list"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("procedures/titles/", views.ProcedureTitlesView.as_view(), name="procedure_titles"),
    path("manual/<int:volume>/", views.VolumeView.as_view(), name="volume"),
    path("manual/<int:volume>/<numeral:section>/", views.SectionView.as_view(), name="section"),
    path("manual/<int:volume>/reorder/", views.VolumeOrderView.as_view(), name="volume_order"),
    # Before the procedure pattern: "new" and "reorder" are reserved slugs
    # (workflow.RESERVED_SLUGS).
    path(
        "manual/<int:volume>/<numeral:section>/reorder/",
        views.SectionOrderView.as_view(),
        name="section_order",
    ),
    path(
        "manual/<int:volume>/<numeral:section>/default-template/",
        views.SectionTemplateView.as_view(),
        name="section_template",
    ),
    path(
        "manual/<int:volume>/<numeral:section>/new/",
        views.ProcedureCreateView.as_view(),
        name="procedure_create",
    ),
    path(
        "manual/<int:volume>/<numeral:section>/<slug:slug>/",
        views.ProcedureView.as_view(),
        name="procedure",
    ),
    # Editing, history and review of one procedure; state changes are POST-only.
    path(PROCEDURE + "edit/", views.EditEntryView.as_view(), name="edit"),
    path(PROCEDURE + "edit/start/", views.StartDraftView.as_view(), name="start_draft"),
    path(PROCEDURE + "history/", views.HistoryView.as_view(), name="history"),
    path(PROCEDURE + "reorganise/", views.ReorganiseView.as_view(), name="reorganise"),
    path(PROCEDURE + "archive/", views.ArchiveView.as_view(), name="archive"),
    path(PROCEDURE + "template/", views.MarkTemplateView.as_view(), name="mark_template"),
    path(PROCEDURE + "favourite/", views.FavouriteView.as_view(), name="favourite"),
    path(PROCEDURE + "viewed/", views.ViewedView.as_view(), name="viewed"),
    path(PROCEDURE + "compare/", views.CompareView.as_view(), name="compare"),
    path(REVISION, views.RevisionView.as_view(), name="revision"),
    path(REVISION + "edit/", views.DraftEditView.as_view(), name="revision_edit"),
    path(REVISION + "autosave/", views.AutosaveView.as_view(), name="autosave"),
    path(REVISION + "review/", views.ReviewView.as_view(), name="review"),
    path(REVISION + "submit/", views.SubmitView.as_view(), name="submit"),
    path(REVISION + "withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path(REVISION + "approve/", views.ApproveView.as_view(), name="approve"),
    path(REVISION + "reject/", views.RejectView.as_view(), name="reject"),
    path(REVISION + "restore/", views.RestoreView.as_view(), name="restore"),
    path(REVISION + "discard/", views.DiscardView.as_view(), name="discard"),
    path(REVISION + "update/", views.UpdateView.as_view(), name="update"),
    path("review/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("my-work/", views.MyWorkView.as_view(), name="my_work"),
    path("preview/", views.PreviewView.as_view(), name="preview"),
]
