"""The reading site: contents, volumes, sections and the approved text of procedures."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from ..models import Procedure, Section, Volume
from .editing import procedure_work


def _sections_with_procedures():
    procedures = Procedure.objects.order_by("position", "pk").only(
        "pk", "title", "slug", "position", "section_id", "current_revision_id"
    )
    return Section.objects.order_by("position").prefetch_related(
        Prefetch("procedures", queryset=procedures)
    )


class ContentsView(TemplateView):
    """The whole manual on one page: volumes, sections and every procedure title."""

    template_name = "procedures/contents.html"

    def get_context_data(self, **kwargs):
        volumes = Volume.objects.prefetch_related(
            Prefetch("sections", queryset=_sections_with_procedures())
        )
        return super().get_context_data(volumes=volumes, **kwargs)


class VolumeView(DetailView):
    template_name = "procedures/volume.html"
    context_object_name = "volume"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Volume.objects.prefetch_related(
                Prefetch("sections", queryset=_sections_with_procedures())
            ),
            number=self.kwargs["volume"],
        )


class SectionView(DetailView):
    template_name = "procedures/section.html"
    context_object_name = "section"

    def get_object(self, queryset=None):
        return get_object_or_404(
            _sections_with_procedures().select_related("volume"),
            volume__number=self.kwargs["volume"],
            numeral=self.kwargs["section"],
        )


class ProcedureView(DetailView):
    """A procedure's approved revision, rendered, with its place in the book."""

    template_name = "procedures/procedure.html"
    context_object_name = "procedure"

    def get_object(self, queryset=None):
        try:
            return Procedure.objects.for_reading().get(
                section__volume__number=self.kwargs["volume"],
                section__numeral=self.kwargs["section"],
                slug=self.kwargs["slug"],
            )
        except Procedure.DoesNotExist:
            raise Http404("No such procedure in the manual.") from None

    def get_context_data(self, **kwargs):
        procedure = self.object
        return super().get_context_data(
            revision=procedure.current_revision,
            previous_procedure=Procedure.objects.before(procedure).with_place().last(),
            next_procedure=Procedure.objects.after(procedure).with_place().first(),
            **procedure_work(procedure, self.request.user),
            **kwargs,
        )
