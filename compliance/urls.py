from django.urls import path

from procedures.urls import PROCEDURE  # also registers the "numeral" converter

from . import report_views, views

REVIEW = "reviews/" + PROCEDURE
REPORT = "compliance/report/"

app_name = "compliance"
urlpatterns = [
    path("reviews/due/", views.DueView.as_view(), name="due"),
    path(REVIEW, views.ProcedureReviewView.as_view(), name="procedure_review"),
    path(REVIEW + "owner/", views.SetOwnerView.as_view(), name="set_owner"),
    path(REVIEW + "interval/", views.SetIntervalView.as_view(), name="set_interval"),
    path(REVIEW + "confirm/", views.ConfirmView.as_view(), name="confirm"),
    path(REPORT, report_views.ReportView.as_view(), name="report"),
    path(REPORT + "acknowledgements.csv", report_views.ReportCsvView.as_view(), name="report_csv"),
    path(
        REPORT + "people/<int:pk>/",
        report_views.ReportPersonView.as_view(),
        name="report_person",
    ),
    path(REPORT + PROCEDURE, report_views.ReportProcedureView.as_view(), name="report_procedure"),
]
