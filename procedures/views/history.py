"""History: a procedure's revisions and events, any revision rendered, any two compared,
and "My work", the current user's drafts, revisions in review and rejected revisions."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.views import View

from .. import selectors
from ..forms import CompareForm, SubmitForm
from ..selectors import procedure_at, revision_of
from ..text.diff import diff_texts
from ..text.rendered_diff import rendered_diff
from ..workflow import policy
from .common import diff_view, require_visible


class HistoryView(View):
    """Every revision of a procedure and its event trail, as the user may see them."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        context = {"procedure": procedure, **selectors.history(procedure, request.user)}
        return render(request, "procedures/history.html", context)


class RevisionView(View):
    """One revision, rendered, with who wrote and reviewed it and what may be done with it."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        revision = revision_of(procedure, kwargs["number"])
        require_visible(revision, request.user)
        context = {
            "procedure": procedure,
            "revision": revision,
            "actions": policy.allowed_actions(revision, request.user),
            "out_of_date": revision.is_out_of_date,
            "is_current": revision.pk == procedure.current_revision_id,
            "submit_form": SubmitForm(initial={"summary": revision.summary}),
        }
        return render(request, "procedures/revision.html", context)


class CompareView(View):
    """`.../compare/?from=N&to=M`: what changed from revision N to revision M."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        form = CompareForm(request.GET)
        context = {"procedure": procedure, "form": form}
        if not form.is_valid():
            messages.error(request, "Choose two revisions to compare by number, e.g. ?from=1&to=2.")
            return render(request, "procedures/compare.html", context, status=400)
        old = revision_of(procedure, form.cleaned_data["from_number"])
        new = revision_of(procedure, form.cleaned_data["to_number"])
        require_visible(old, request.user)
        require_visible(new, request.user)
        context |= {"old": old, "new": new, "diff": diff_texts(old.body, new.body)}
        context |= {"rendered": rendered_diff(old.body_html, new.body_html)}
        context |= {"diff_view": diff_view(request)}
        return render(request, "procedures/compare.html", context)


class MyWorkView(View):
    """My drafts, my revisions in review, and my rejected revisions still to be revised."""

    http_method_names = ["get"]

    def get(self, request):
        return render(request, "procedures/my_work.html", selectors.my_work(request.user))
