"""A reader's own bookmarks: the procedure page's star, and the beacon that notes a visit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from .. import workflow
from ..selectors import procedure_at
from .common import PostOnlyView


class FavouriteView(PostOnlyView):
    """POST `starred=1` (or 0): star or unstar the procedure, back to its page."""

    verb = "star"

    def belongs_to(self, kwargs: dict) -> tuple[str, str]:
        procedure = procedure_at(kwargs)
        return procedure.get_absolute_url(), procedure.title

    def post(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        starred = request.POST.get("starred") == "1"
        workflow.procedure_favourite(procedure=procedure, user=request.user, starred=starred)
        if starred:
            messages.success(request, f"“{procedure.title}” is in your favourites (My work).")
        else:
            messages.info(request, f"“{procedure.title}” is no longer in your favourites.")
        return redirect(procedure.get_absolute_url())


class ViewedView(PostOnlyView):
    """POST from static/js/recently-viewed.js as the page opens: remember the visit (204).

    A beacon rather than a write on the page itself, so the cached page stays one query."""

    verb = "note a visit to"

    def belongs_to(self, kwargs: dict) -> tuple[str, str]:
        procedure = procedure_at(kwargs)
        return procedure.get_absolute_url(), procedure.title

    def post(self, request, **kwargs):
        workflow.procedure_record_view(procedure=procedure_at(kwargs), user=request.user)
        return HttpResponse(status=204)
