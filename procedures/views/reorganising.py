"""Retiring and reorganising (approvers): rename or move a procedure, archive and restore it,
put procedures in order within a section and sections within a volume. Each POST calls one
workflow function; a refusal re-renders the form with the message and a 4xx."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views import View

from .. import workflow
from ..caching.toc import book
from ..forms import (
    ArchiveForm,
    MarkTemplateForm,
    RenameMoveForm,
    ReorderForm,
    SectionTemplateForm,
)
from ..selectors import procedure_at, section_at, volume_sections
from ..workflow import policy
from .common import PostOnlyView, refusal_status, refusal_text, refuse_form


def _require_reorganiser(user) -> None:
    refusal = policy.reorganise_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)


class ReorganiseView(View):
    """`.../reorganise/`: the rename-or-move form (GET shows it, POST applies it), beside
    archiving or restoring."""

    def dispatch(self, request, *args, **kwargs):
        self.procedure = procedure_at(kwargs)
        _require_reorganiser(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, **kwargs):
        initial = {"title": self.procedure.title, "section": self.procedure.section_id}
        return self.render(RenameMoveForm(initial=initial))

    def post(self, request, **kwargs):
        form = RenameMoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Please correct the form below.")
            return self.render(form, status=400)
        data = form.cleaned_data
        try:
            procedure = workflow.procedure_rename_move(
                procedure=self.procedure, user=request.user, title=data["title"],
                section=data["section"], confirm_ambiguous=data["confirm"],
            )  # fmt: skip
        except workflow.AmbiguousTitle as exc:
            return self.render(form, ambiguous=exc)
        except (PermissionDenied, ValidationError) as exc:
            return self.render(form, status=refuse_form(request, form, exc))
        messages.success(request, f"Saved: “{procedure.title}” is now at {procedure.place}. "
                                  "Its old address leads here.")  # fmt: skip
        return redirect(procedure.get_absolute_url())

    def render(self, form, *, status=200, ambiguous=None, archive_form=None):
        context = {"procedure": self.procedure, "form": form, "ambiguous": ambiguous,
                   "archive_form": archive_form or ArchiveForm()}  # fmt: skip
        return render(self.request, "procedures/reorganise.html", context, status=status)


class ArchiveView(PostOnlyView):
    """POST `.../archive/`: archive the procedure with a reason; `restore=1`: bring it back."""

    verb = "archive"

    def post(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        form = ArchiveForm(request.POST)
        restoring = request.POST.get("restore") == "1"
        try:
            if restoring:
                workflow.procedure_unarchive(procedure=procedure, user=request.user)
            elif not form.is_valid():
                raise ValidationError(form.errors.get("reason", ["Say why."])[0], code="reason")
            else:
                workflow.procedure_archive(procedure=procedure, user=request.user,
                                           reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as exc:  # PermissionDenied: the site's 403 page, no forms
            status = refuse_form(request, form, exc)
            view = ReorganiseView(request=request, kwargs=kwargs, procedure=procedure)
            initial = {"title": procedure.title, "section": procedure.section_id}
            return view.render(RenameMoveForm(initial=initial), status=status, archive_form=form)
        done = "restored: it is back in the contents, lists and search" if restoring else (
            "archived: it has left the contents, lists and search")  # fmt: skip
        messages.success(request, f"“{procedure.title}” {done}.")
        return redirect(procedure.get_absolute_url())

    def belongs_to(self, kwargs):
        procedure = procedure_at(kwargs)
        return procedure.get_absolute_url(), f"“{procedure.title}”"


def _refused(request, exc) -> HttpResponse:
    """A refused template change: the message on the site's own refusal page, with its 4xx."""
    messages.error(request, refusal_text(exc))
    back = request.path.rstrip("/").rsplit("/", 1)[0] + "/"
    return render(request, "procedures/refused.html", {"back_url": back},
                  status=refusal_status(exc))  # fmt: skip


class MarkTemplateView(PostOnlyView):
    """POST `.../template/`: `on=1` offers the approved text as a template, `on=0` stops."""

    verb = "mark as a template"

    def post(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        form = MarkTemplateForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("Mark or unmark: the form was changed.", code="mark")
            workflow.procedure_mark_template(procedure=procedure, user=request.user,
                                             on=form.cleaned_data["on"])  # fmt: skip
        except (PermissionDenied, ValidationError) as exc:
            return _refused(request, exc)
        done = ("is now offered as a template" if form.cleaned_data["on"]
                else "is no longer offered as a template")  # fmt: skip
        messages.success(request, f"“{procedure.title}” {done}.")
        return redirect(procedure.get_absolute_url())

    def belongs_to(self, kwargs):
        procedure = procedure_at(kwargs)
        return procedure.get_absolute_url(), f"“{procedure.title}”"


class SectionTemplateView(PostOnlyView):
    """POST `/manual/3/ii/default-template/`: the text new procedures of the section start
    from becomes the chosen template's approved text."""

    verb = "choose the default template"

    def post(self, request, **kwargs):
        section = section_at(kwargs)
        form = SectionTemplateForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors["template"][0], code="template_choice")
            template = form.cleaned_data["template"]
            workflow.section_set_default_template(section=section, user=request.user,
                                                  template=template)  # fmt: skip
        except (PermissionDenied, ValidationError) as exc:
            return _refused(request, exc)
        messages.success(request, f"New procedures of this section now start from "
                                  f"“{template.title}”.")  # fmt: skip
        return redirect(section.get_absolute_url())

    def belongs_to(self, kwargs):
        section = section_at(kwargs)
        return section.get_absolute_url(), f"Section {section.numeral}"


class _ReorderView(View):
    """A list with up and down buttons (plain forms: no JavaScript needed)."""

    template_name = "procedures/reorder.html"

    def get(self, request, **kwargs):
        _require_reorganiser(request.user)
        return self.render()

    def post(self, request, **kwargs):
        _require_reorganiser(request.user)
        form = ReorderForm(request.POST)
        rows = {row.pk: row for row in self.rows()}
        if not form.is_valid() or form.cleaned_data["item"] not in rows:
            messages.error(request, self.not_here)
            return self.render(status=HttpResponseBadRequest.status_code)
        row = rows[form.cleaned_data["item"]]
        try:
            self.move(row, form.cleaned_data["direction"])
        except (PermissionDenied, ValidationError) as exc:
            return self.render(status=refuse_form(request, None, exc))
        messages.success(request, f"Moved “{row.title}” {form.cleaned_data['direction']}.")
        return redirect(request.path + f"#item-{row.pk}")

    def render(self, status=200):
        rows = self.rows()  # first: 404 for a volume or section that does not exist
        context = {**self.context(), "rows": rows}
        return render(self.request, self.template_name, context, status=status)


class SectionOrderView(_ReorderView):
    """`/manual/3/ii/reorder/`: the order of a section's procedures."""

    not_here = "That procedure is not in this section (or the form was changed): nothing moved."

    def rows(self):
        section = self.section()
        return list(section.procedures.in_use().order_by("position", "pk"))

    def section(self):
        if not hasattr(self, "_section"):
            self._section = section_at(self.kwargs)
        return self._section

    def move(self, row, direction):
        workflow.procedure_reorder(procedure=row, user=self.request.user, direction=direction)

    def context(self):
        section = self.section()
        return {"section": section, "volume": section.volume, "kind": "procedures",
                "heading": f"Order of Section {section.numeral} · {section.title}"}  # fmt: skip


class VolumeOrderView(_ReorderView):
    """`/manual/3/reorder/`: the order of a volume's sections."""

    not_here = "That section is not in this volume (or the form was changed): nothing moved."

    def rows(self):
        return volume_sections(self.kwargs["volume"])

    def move(self, row, direction):
        workflow.section_reorder(section=row, user=self.request.user, direction=direction)

    def context(self):
        volume = book().volume(self.kwargs["volume"])
        return {"volume": volume, "kind": "sections",
                "heading": f"Order of the sections of Volume {self.kwargs['volume']}"}  # fmt: skip
