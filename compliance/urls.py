from django.urls import path

from procedures.urls import PROCEDURE  # also registers the "numeral" converter

from . import views

REVIEW = "reviews/" + PROCEDURE

app_name = "compliance"
urlpatterns = [
    path("reviews/due/", views.DueView.as_view(), name="due"),
    path(REVIEW, views.ProcedureReviewView.as_view(), name="procedure_review"),
    path(REVIEW + "owner/", views.SetOwnerView.as_view(), name="set_owner"),
    path(REVIEW + "interval/", views.SetIntervalView.as_view(), name="set_interval"),
    path(REVIEW + "confirm/", views.ConfirmView.as_view(), name="confirm"),
]
