"""Finding procedures: the filtered, sortable list and full-text search."""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView

from .. import search
from ..filters import ProcedureFilter, procedures_for_list
from ..forms import SearchForm
from ..selectors import procedure_titles
from ..workflow import policy


def _page_number(value) -> int:
    """Return a page number from the query string; nonsense counts as the first page."""
    try:
        return min(max(1, int(value)), 1_000_000)
    except (TypeError, ValueError):
        return 1


class ProcedureListView(FilterView):
    """Every procedure, filtered and sorted by the query string, so a view can be bookmarked."""

    filterset_class = ProcedureFilter
    template_name = "procedures/procedure_list.html"
    context_object_name = "procedures"
    paginate_by = 50

    def get_queryset(self):
        return procedures_for_list()

    def paginate_queryset(self, queryset, page_size):
        # get_page() turns a page past the end into the last page, and nonsense into the
        # first, where ListView would answer 404.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(_page_number(self.request.GET.get("page")))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(query_without_page=query.urlencode(), **kwargs)

    def render_to_response(self, context, **response_kwargs):
        if self.filterset.is_bound and not self.filterset.is_valid():
            response_kwargs.setdefault("status", HTTPStatus.BAD_REQUEST)
        return super().render_to_response(context, **response_kwargs)


class SearchView(TemplateView):
    """Full-text search over approved text and every title, best matches first."""

    template_name = "procedures/search.html"

    def get(self, request, *args, **kwargs):
        form = SearchForm(request.GET)
        results = None
        status = HTTPStatus.OK
        if not form.is_valid():
            status = HTTPStatus.BAD_REQUEST
        elif form.cleaned_data["q"]:
            results = search.search(
                form.cleaned_data["q"], page=_page_number(request.GET.get("page"))
            )
        context = self.get_context_data(
            form=form,
            results=results,
            # What the user typed stays in the box, even when it was refused.
            search_query=request.GET.get("q", ""),
            **kwargs,
        )
        return self.render_to_response(context, status=status)


class ProcedureTitlesView(View):
    """`?q=` → JSON of procedure titles for the editor's [[link]] autocomplete
    (static/js/link-autocomplete.js): editors only, at most TITLE_SUGGESTIONS answers."""

    http_method_names = ["get"]

    def get(self, request):
        if not policy.can_edit(request.user):
            raise PermissionDenied("Only editors can look up procedure titles to link.")
        query = request.GET.get("q", "")
        if len(query) > 200:
            return JsonResponse({"error": "Type at most 200 characters."}, status=400)
        results = procedure_titles(query.replace("\x00", ""))
        return JsonResponse({"query": query, "results": results})
