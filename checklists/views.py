"""Thin views of checklists: parse the request, call one function, render or redirect.

A refusal (a domain error) is a message on the page and a 4xx: 400 for bad input, 403 for
a permission, 409 for a state conflict (a closed run, a step changed meanwhile)."""

from __future__ import annotations

import tempfile
from http import HTTPStatus

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from procedures.models import Revision

from . import evidence, export, policy, selectors, transitions
from .errors import BadInput
from .filters import RunFilter
from .forms import ClientForm, ReasonForm, RunStartForm, ScheduleForm, StepForm
from .models import Client, Run, Schedule

PAGE_SIZE = 50


def _require_runs(request) -> None:
    if not policy.can_use_runs(request.user):
        raise PermissionDenied("Only readers of the manual may see runs.")


def _require_manager(request) -> None:
    if not policy.can_manage_clients(request.user):
        raise PermissionDenied("Only approvers manage clients.")


def status_of(exc: Exception) -> int:
    """Return the HTTP status a refusal is answered with."""
    if isinstance(exc, PermissionDenied):
        return HTTPStatus.FORBIDDEN
    if isinstance(exc, BadInput):
        return HTTPStatus.BAD_REQUEST
    return HTTPStatus.CONFLICT


def run_page(request, run: Run, *, status: int = HTTPStatus.OK):
    """Render a run's page (fresh from the database), with what the user may do."""
    run = selectors.run_for_page(run.pk)
    context = {
        "run": run,
        "actions": policy.run_actions(run, request.user),
        "newer": selectors.newer_revision(run),
        "reason_form": ReasonForm(),
    }
    return render(request, "checklists/run.html", context, status=status)


def refused(request, run: Run, exc: Exception):
    messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return run_page(request, run, status=status_of(exc))


class RunListView(View):
    """Every run, filtered by the query string, paginated; ?format=csv streams them all."""

    http_method_names = ["get"]
    template = "checklists/run_list.html"
    mine = False

    def runs(self, request):
        runs = Run.objects.for_list()
        if self.mine:
            runs = runs.filter(Q(assignee=request.user) | Q(started_by=request.user))
        return RunFilter(request.GET, queryset=runs.order_by("-started_at", "-pk"))

    def get(self, request):
        _require_runs(request)
        runs = self.runs(request)
        page = Paginator(selectors.with_progress(runs.qs), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        query = request.GET.copy()
        query.pop("page", None)
        context = {"filter": runs, "page": page, "query": query.urlencode(), "mine": self.mine}
        return render(request, self.template, context)


class MyRunsView(RunListView):
    mine = True


class RunCsvView(RunListView):
    """The filtered runs as CSV, streamed."""

    def get(self, request):
        _require_runs(request)
        lines = export.csv_lines(self.runs(request).qs)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="runs.csv"'
        return response


class RunStartView(View):
    """Start a run of an approved revision: choose the client, ticket, assignee, due date."""

    http_method_names = ["get", "post"]

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.revision = get_object_or_404(
            Revision.objects.select_related("procedure__section__volume"),
            pk=kwargs["revision_id"], status=Revision.Status.APPROVED,
        )  # fmt: skip

    def page(self, form, status=HTTPStatus.OK):
        context = {"revision": self.revision, "procedure": self.revision.procedure, "form": form}
        return render(self.request, "checklists/run_start.html", context, status=status)

    def get(self, request, revision_id):
        _require_runs(request)
        return self.page(RunStartForm())

    def post(self, request, revision_id):
        _require_runs(request)
        form = RunStartForm(request.POST)
        if not form.is_valid():
            return self.page(form, HTTPStatus.BAD_REQUEST)
        try:
            run = transitions.run_start(
                revision=self.revision, user=request.user, **form.cleaned_data
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return self.page(form, status_of(exc))
        messages.success(request, f"Run started for {run.client}.")
        return redirect(run)


class RunView(View):
    http_method_names = ["get"]

    def get(self, request, pk):
        _require_runs(request)
        return run_page(request, selectors.run_for_page(pk))


class RunPdfView(View):
    """GET the run's evidence as a PDF download (whoever may see the run page)."""

    http_method_names = ["get", "head"]

    def get(self, request, pk):
        _require_runs(request)
        run = selectors.run_for_page(pk)
        reason = evidence.pdf_refusal()
        if reason:  # WeasyPrint missing: say how to install it, on the run page
            messages.error(request, reason)
            return run_page(request, run, status=HTTPStatus.SERVICE_UNAVAILABLE)
        # On disk, not in memory; FileResponse closes (and so deletes) it when sent.
        out = tempfile.TemporaryFile()  # noqa: SIM115
        evidence.write_pdf(run, out, newer=selectors.newer_revision(run))
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename=evidence.filename(run))


def change_step(step, user, data: dict):
    """Call the one transition the step form's action names."""
    action, version = data["action"], data["version"]
    if action == "tick":
        return transitions.step_tick(step=step, user=user, version=version)
    if action == "untick":
        return transitions.step_untick(step=step, user=user, version=version)
    if action == "na":
        return transitions.step_skip(step=step, user=user, version=version, reason=data["reason"])
    return transitions.step_annotate(step=step, user=user, version=version, note=data["note"])


class StepView(View):
    """POST one change to one step, with the version the page showed."""

    http_method_names = ["post"]

    def post(self, request, pk, step_id):
        _require_runs(request)
        run = get_object_or_404(Run, pk=pk)
        step = selectors.step_of(run, step_id)
        form = StepForm(request.POST)
        if not form.is_valid():
            return refused(
                request, run, BadInput("That change could not be read; nothing was changed.")
            )
        try:
            change_step(step, request.user, form.cleaned_data)
        except (PermissionDenied, ValidationError) as exc:
            return refused(request, run, exc)
        return redirect(f"{run.get_absolute_url()}#step-{step.position}")


class RunActionView(View):
    """POST complete, abandon (with a reason) or reopen (approvers, with a reason)."""

    http_method_names = ["post"]
    needs_reason = True

    def perform(self, run, user, data): ...

    def post(self, request, pk):
        _require_runs(request)
        run = get_object_or_404(Run, pk=pk)
        form = ReasonForm(request.POST)
        if self.needs_reason and not form.is_valid():
            return refused(request, run, BadInput("Give a reason (at most 2000 characters)."))
        try:
            run = self.perform(run, request.user, form.cleaned_data if self.needs_reason else {})
        except (PermissionDenied, ValidationError) as exc:
            return refused(request, run, exc)
        messages.success(request, f"Run {run.get_status_display().lower()}.")
        return redirect(run)


class RunCompleteView(RunActionView):
    needs_reason = False

    def perform(self, run, user, data):
        return transitions.run_complete(run=run, user=user)


class RunAbandonView(RunActionView):
    def perform(self, run, user, data):
        return transitions.run_abandon(run=run, user=user, reason=data["reason"])


class RunReopenView(RunActionView):
    def perform(self, run, user, data):
        return transitions.run_reopen(run=run, user=user, reason=data["reason"])


class ClientListView(View):
    http_method_names = ["get"]

    def get(self, request):
        _require_manager(request)
        clients = Client.objects.all()
        return render(request, "checklists/client_list.html", {"clients": clients})


class ClientView(View):
    """A client's page: its runs, newest first (every reader)."""

    http_method_names = ["get"]

    def get(self, request, code):
        _require_runs(request)
        client = get_object_or_404(Client, code=code)
        runs = selectors.with_progress(client.runs.for_list())
        page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "client": client,
            "page": page,
            "schedules": selectors.with_next_runs(client.schedules.for_list()),
            "may_manage": policy.can_manage_clients(request.user),
            "may_schedule": policy.can_manage_schedules(request.user) and client.active,
        }
        return render(request, "checklists/client.html", context)


def save_client(client, user, data: dict) -> Client:
    """Update the client, or add one if there is none."""
    if client:
        return transitions.client_update(client=client, user=user, **data)
    return transitions.client_create(user=user, **data)


class ClientEditView(View):
    """Add a client (no code in the URL) or edit one."""

    http_method_names = ["get", "post"]

    def page(self, form, client, status=HTTPStatus.OK):
        context = {"form": form, "client": client}
        return render(self.request, "checklists/client_form.html", context, status=status)

    def get(self, request, code=None):
        _require_manager(request)
        client = get_object_or_404(Client, code=code) if code else None
        initial = (
            {"name": client.name, "code": client.code, "external_id": client.external_id}
            if client
            else None
        )
        return self.page(ClientForm(initial=initial), client)

    def post(self, request, code=None):
        _require_manager(request)
        client = get_object_or_404(Client, code=code) if code else None
        form = ClientForm(request.POST)
        if not form.is_valid():
            return self.page(form, client, HTTPStatus.BAD_REQUEST)
        try:
            client = save_client(client, request.user, form.cleaned_data)
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, exc)
            return self.page(form, client, status_of(exc))
        messages.success(request, f"{client} saved.")
        return redirect("checklists:clients")


class ClientArchiveView(View):
    """POST: archive a client (or, with active=1, bring it back)."""

    http_method_names = ["post"]

    def post(self, request, code):
        _require_manager(request)
        client = get_object_or_404(Client, code=code)
        active = request.POST.get("active") == "1"
        client = transitions.client_set_active(client=client, user=request.user, active=active)
        messages.success(request, f"{client} {'restored' if active else 'archived'}.")
        return redirect("checklists:clients")


def schedule_page(request, schedule: Schedule, *, status: int = HTTPStatus.OK):
    """Render a schedule's page (fresh from the database), with what the user may do."""
    schedule = selectors.schedule_for_page(schedule.pk)
    runs = selectors.with_progress(schedule.runs.for_list())
    context = {
        "schedule": schedule,
        "actions": policy.schedule_actions(schedule, request.user),
        "page": Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "checklists/schedule.html", context, status=status)


class ScheduleView(View):
    """A schedule: its recurrence, next run, history and runs (every reader, read only)."""

    http_method_names = ["get"]

    def get(self, request, pk):
        _require_runs(request)
        return schedule_page(request, selectors.schedule_for_page(pk))


def save_schedule(schedule, user, data: dict) -> Schedule:
    """Update the schedule, or make one if there is none."""
    if schedule:
        return transitions.schedule_update(schedule=schedule, user=user, **data)
    return transitions.schedule_create(user=user, **data)


class ScheduleEditView(View):
    """Make a schedule (no id in the URL; ?client=CODE chooses the client) or change one.

    The form is shown to approvers only; a POST from anyone else that reads is refused by
    the transition itself (403), not by this view."""

    http_method_names = ["get", "post"]

    def setup(self, request, *args, pk=None, **kwargs):
        super().setup(request, *args, pk=pk, **kwargs)
        self.schedule = get_object_or_404(Schedule.objects.for_list(), pk=pk) if pk else None

    def page(self, form, status=HTTPStatus.OK):
        _require_schedule_manager(self.request)
        context = {"form": form, "schedule": self.schedule}
        return render(self.request, "checklists/schedule_form.html", context, status=status)

    def form(self, data=None):
        initial = initial_schedule(self.schedule, self.request.GET.get("client"))
        return ScheduleForm(data, initial=initial, with_client=self.schedule is None)

    def get(self, request, pk=None):
        _require_runs(request)
        return self.page(self.form())

    def post(self, request, pk=None):
        _require_runs(request)
        form = self.form(request.POST)
        if not form.is_valid():
            return self.page(form, HTTPStatus.BAD_REQUEST)
        try:  # a refusal (PermissionDenied) is the site's 403 page: no form for readers
            schedule = save_schedule(self.schedule, request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(field_of(exc, form), exc)
            return self.page(form, status_of(exc))
        messages.success(request, f"Schedule saved: {schedule.client.name}.")
        return redirect(schedule)


def field_of(exc: ValidationError, form) -> str | None:
    """Return the form field a schedule's refusal is about (None: the whole form)."""
    field = {"not_approved": "procedure", "no_steps": "procedure", "archived": "client"}.get(
        getattr(exc, "code", None)
    )
    return field if field in form.fields else None


def _require_schedule_manager(request) -> None:
    if not policy.can_manage_schedules(request.user):
        raise PermissionDenied("Only approvers manage schedules; readers see them.")


def initial_schedule(schedule, client_code) -> dict:
    """Return the form's first values: the schedule's own, or the client asked for and today."""
    if schedule is None:
        client = Client.objects.active().filter(code=client_code or "").first()
        return {"client": client, "starts_on": timezone.localdate()}
    fields = ["procedure", "frequency", "weekday", "week_of_month", "assignee", "starts_on"]
    return {name: getattr(schedule, name) for name in fields}


class ScheduleActionView(View):
    """POST pause, resume or end (with an optional reason) a schedule: the transition decides."""

    http_method_names = ["post"]
    done = ""

    def perform(self, schedule, user, data): ...

    def post(self, request, pk):
        _require_runs(request)
        schedule = get_object_or_404(Schedule, pk=pk)
        form = ReasonForm(request.POST)
        data = {"reason": form.cleaned_data["reason"] if form.is_valid() else ""}
        try:
            schedule = self.perform(schedule, request.user, data)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return schedule_page(request, schedule, status=status_of(exc))
        messages.success(request, f"Schedule {self.done}.")
        return redirect(schedule)


class SchedulePauseView(ScheduleActionView):
    done = "paused"

    def perform(self, schedule, user, data):
        return transitions.schedule_pause(schedule=schedule, user=user)


class ScheduleResumeView(ScheduleActionView):
    done = "resumed"

    def perform(self, schedule, user, data):
        return transitions.schedule_resume(schedule=schedule, user=user)


class ScheduleEndView(ScheduleActionView):
    done = "ended"

    def perform(self, schedule, user, data):
        return transitions.schedule_end(schedule=schedule, user=user, reason=data["reason"])
