from django.urls import path

from procedures.urls import PROCEDURE  # also registers the "numeral" converter

from . import ack_views, report_views, views

REVIEW = "reviews/" + PROCEDURE
REPORT = "compliance/report/"
ACK = "acknowledgements/" + PROCEDURE
ACK_SECTION = "acknowledgements/section/<int:volume>/<numeral:section>/"

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
    path("to-read/", ack_views.ToReadView.as_view(), name="to_read"),
    path(ACK, ack_views.RulesView.as_view(), name="procedure_acknowledgements"),
    path(ACK + "require/", ack_views.RuleActionView.as_view(), name="require"),
    path(ACK + "remove/", ack_views.RuleActionView.as_view(remove=True), name="unrequire"),
    path(ACK + "acknowledge/", ack_views.AcknowledgeView.as_view(), name="acknowledge"),
    path(ACK + "since-read/", ack_views.SinceReadView.as_view(), name="since_read"),
    path(ACK_SECTION, ack_views.RulesView.as_view(), name="section_acknowledgements"),
    path(ACK_SECTION + "require/", ack_views.RuleActionView.as_view(), name="section_require"),
    path(
        ACK_SECTION + "remove/",
        ack_views.RuleActionView.as_view(remove=True),
        name="section_unrequire",
    ),
]
