"""The reading site: contents, volumes, sections and the approved text of procedures.

Places in the book (lists, previous and next) come from the cached table of contents
(`caching.toc`), and work in review from its cache; a procedure's own row and approved
revision are read only when their cached fragments are not there yet. Readers get whole
pages from the page cache (`views.pagecache`).
"""

from django.http import Http404, HttpResponsePermanentRedirect
from django.utils.functional import SimpleLazyObject
from django.views.generic import TemplateView

from .. import caching
from ..caching import pages
from ..caching.readers import favourite_ids
from ..caching.toc import book
from ..selectors import moved_procedure, procedure_for_reading, work_on_procedure
from .pagecache import ReaderPageCacheMixin


class _ManualPage(ReaderPageCacheMixin, TemplateView):
    def page_versions(self) -> tuple[str, ...]:
        return (caching.current(caching.MANUAL),)


class ContentsView(_ManualPage):
    """The whole manual on one page: volumes, sections and every procedure title."""

    template_name = "procedures/contents.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(book=book(), **kwargs)


class VolumeView(_ManualPage):
    template_name = "procedures/volume.html"

    def get_context_data(self, **kwargs):
        current = book()
        volume = current.volume(self.kwargs["volume"])
        if volume is None:
            raise Http404("No such volume in the manual.")
        # The URL's own "volume" (a number) is replaced by the volume itself.
        return super().get_context_data(**{**kwargs, "book": current, "volume": volume})


class SectionView(_ManualPage):
    template_name = "procedures/section.html"

    def get_context_data(self, **kwargs):
        current = book()
        section = current.section(self.kwargs["volume"], self.kwargs["section"])
        if section is None:
            raise Http404("No such section in the manual.")
        return super().get_context_data(**{**kwargs, "book": current, "section": section})


class ProcedureView(_ManualPage):
    """A procedure's approved revision, rendered, with its place in the book.

    The approved text comes from a template fragment cached per version of the manual
    (procedures/procedure.html); what depends on the user (work in review, their own draft,
    which buttons) is read on every request that is not served from the page cache.
    """

    template_name = "procedures/procedure.html"

    def page_versions(self) -> tuple[str, ...]:
        return (caching.current(caching.MANUAL), caching.current(caching.WORK))

    def get(self, request, *args, **kwargs):
        place = (self.kwargs[k] for k in ("volume", "section", "slug"))
        if book().procedure(*place) is None:
            # Renamed or moved: its old address leads straight to where it is now.
            moved = moved_procedure(self.kwargs)
            if moved is not None:
                return HttpResponsePermanentRedirect(moved.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        current = book()
        place = current.procedure(*(self.kwargs[k] for k in ("volume", "section", "slug")))
        if place is None:
            raise Http404("No such procedure in the manual.")
        # Read only if a fragment is not cached yet: a warm page needs nothing from the row.
        procedure = SimpleLazyObject(lambda: procedure_for_reading(place.pk))
        previous_procedure, next_procedure = current.neighbours(place.pk)
        return super().get_context_data(
            **kwargs, book=current, place=place, procedure=procedure,
            revision=SimpleLazyObject(lambda: procedure.current_revision),
            previous_procedure=previous_procedure, next_procedure=next_procedure,
            **work_on_procedure(place.pk, self.request.user, manual=current.version),
            favourite_state=self.favourite_state(place.pk),
        )  # fmt: skip

    def favourite_state(self, procedure_id: int) -> str:
        """The star's state, or on a page for the cache its placeholder (filled per reader)."""
        if self._page_cache_key:
            return pages.favourite_mark(procedure_id)
        return pages.favourite_state(procedure_id, favourite_ids(self.request.user.pk))
