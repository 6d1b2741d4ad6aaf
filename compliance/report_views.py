"""Thin views of the compliance report: the overview (procedures, groups, people), one
procedure's people, one person's procedures, and the CSV of the same filters.

Every one parses the filters (a value it cannot read is a 400 with the form's errors), asks
`report.build` for the rows the viewer may see, and renders them."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.views import FilterView

from procedures.models import Procedure
from procedures.selectors import procedure_at

from . import policy, report, report_csv
from .report_filters import ReportFilter


class ReportView(FilterView):
    """Acknowledgement of the current revisions: per procedure, per group, per person."""

    filterset_class = ReportFilter
    template_name = "compliance/report.html"

    def get_queryset(self):
        if not policy.can_see_compliance(self.request.user):
            raise PermissionDenied("Log in to see the compliance report.")
        return Procedure.objects.filter(**self.scope())

    def scope(self) -> dict:
        """Return the procedures this page is about, as filter keywords (all of them)."""
        return {}

    def build(self, **kwargs) -> report.Report | None:
        """Return the report of the valid filters, or None when a filter was not understood."""
        if self.filterset.is_bound and not self.filterset.is_valid():
            return None
        options = self.filterset.options() if self.filterset.is_bound else {}
        return report.build(self.filterset.qs, viewer=self.request.user, **options, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "report": self.build()}

    def render_to_response(self, context, **response_kwargs):
        if context["report"] is None:
            response_kwargs.setdefault("status", HTTPStatus.BAD_REQUEST)
        return super().render_to_response(context, **response_kwargs)


class ReportProcedureView(ReportView):
    """Who has acknowledged one procedure's current revision, and who has not."""

    template_name = "compliance/report_procedure.html"

    def scope(self) -> dict:
        self.procedure = procedure_at(self.kwargs)
        return {"pk": self.procedure.pk}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "procedure": self.procedure}


class ReportPersonView(ReportView):
    """What one person has acknowledged and what they still owe (theirs, or anyone's for
    approvers and administrators)."""

    template_name = "compliance/report_person.html"

    def get_context_data(self, **kwargs):
        person = get_object_or_404(get_user_model(), pk=self.kwargs["pk"])
        if not policy.can_see_acknowledgements_of(person, self.request.user):
            raise PermissionDenied("You can see only your own acknowledgements.")
        # The filters' context without the overview's report: this page builds its own.
        context = super(ReportView, self).get_context_data(**kwargs)
        return {**context, "person": person, "report": self.build(person=person)}


class ReportCsvView(ReportView):
    """The report's rows as CSV, for the same filters; a filter it cannot read: the page, 400."""

    def render_to_response(self, context, **response_kwargs):
        if context["report"] is None:
            return super().render_to_response(context, **response_kwargs)
        stamp = timezone.localtime(context["report"].at).strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(
            report_csv.csv_lines(context["report"]), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="acknowledgements-{stamp}.csv"'
        return response
