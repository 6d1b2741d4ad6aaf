"""What follows a change: wiki links, the search index, cache versions and mail.

Called explicitly by the transitions (inside their transaction: what is written to the
database commits or rolls back with the change; cache versions are bumped again and mail is
sent once it commits), by management commands and imports after bulk writes, and by the
admin. `procedures.signals` keeps receivers only as a safety net for Django's admin and
`loaddata`, which save models without calling these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import AbstractBaseUser
from django.dispatch import Signal

from .. import caching, linking, search
from ..caching.readers import forget_favourites, refresh_bookmarks
from ..models import Procedure, ProcedureFormerPlace, Revision
from ..text.wikilinks import link_key
from . import notifications

# Inside `bulk_write()`: the effects manual_rewritten() redoes for the whole manual wait for it.
_bulk = ContextVar("bulk_write", default=False)


@contextmanager
def bulk_write() -> Iterator[None]:
    """Write many procedures through the transitions without their per-change links, search
    entries and cache versions (each re-reads the manual: n changes, n² work); the caller calls
    manual_rewritten() once after the commit. `revision_text_written` still follows each
    change; mail too, unless the caller gathers it (`mail_gathered`)."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


def mail_gathered(what: str) -> AbstractContextManager[None]:
    """Inside the transaction of a bulk write: one message per person once it commits, not
    one per change (`notifications.gathered`)."""
    return notifications.gathered(what)


def manual_changed(*, work: bool = False) -> None:
    """Something reading pages show was written (a volume, section or procedure; with `work`,
    revisions too): every process builds its table of contents and pages anew."""
    if _bulk.get():
        return
    caching.invalidate(caching.MANUAL, *([caching.WORK] if work else []))


# Domain event for the apps built on procedures/ (which procedures/ must not import): a
# revision's text was written, in the writing transaction. Sent only from here, as Wagtail
# sends page_published; `attachments` records which files the text refers to.
revision_text_written = Signal()


# Domain event: a revision was approved and is now the text everyone reads (`previous`: the
# revision it superseded, or None). Sent in the approving transaction, so what the apps write
# in reply (compliance carries read acknowledgements across a minor change) commits or rolls
# back with the approval: there is no moment when the new text is approved without them.
revision_published = Signal()


def text_written(revision: Revision) -> None:
    """A draft's text was written (started, saved, merged or restored from another)."""
    revision_text_written.send(sender=Revision, revision=revision)


def procedure_changed(procedure: Procedure) -> None:
    """A procedure was added, renamed or moved: links naming it resolve anew, pages show it."""
    if _bulk.get():
        return
    linking.refresh_links_to(procedure)
    manual_changed()


def procedure_archived(procedure: Procedure) -> None:
    """A procedure was archived or restored: it leaves (or rejoins) the contents, lists and
    search, and links to it say "archived" (or no longer do)."""
    linking.refresh_links_to(procedure)
    search.index_procedure(procedure)
    caching.invalidate(caching.MANUAL, caching.WORK)


def sections_reordered() -> None:
    """Procedures or sections changed places in the book: contents and neighbours anew."""
    manual_changed()


def procedure_moved(procedure: Procedure, *, old_path: str, old_title: str) -> None:
    """A procedure was renamed or moved (in the app or the admin): its old path redirects
    here and `[[links]]` to its old path or title still find it; then as `procedure_changed`."""
    if old_path != procedure.path:
        ProcedureFormerPlace.objects.update_or_create(
            path=old_path, defaults={"procedure": procedure, "title_key": link_key(old_title)}
        )
    ProcedureFormerPlace.objects.filter(path=procedure.path).delete()  # its place is live again
    procedure_changed(procedure)


def templates_changed() -> None:
    """A procedure became or stopped being a template, or a section's default changed: the
    pages that offer them (a procedure's and a section's) show it."""
    caching.invalidate(caching.MANUAL)


def work_changed() -> None:
    """A revision entered or left review: pages saying "a newer revision is in review"."""
    if _bulk.get():
        return
    caching.invalidate(caching.WORK)


def revision_submitted(*, procedure: Procedure, revision: Revision, user: AbstractBaseUser) -> None:
    work_changed()
    notifications.review_requested(procedure=procedure, revision=revision, user=user)


def revision_approved(
    *,
    procedure: Procedure,
    revision: Revision,
    user: AbstractBaseUser,
    previous: Revision | None = None,
) -> None:
    """A revision became the text everyone reads (superseding `previous`)."""
    revision_published.send(
        sender=Revision, procedure=procedure, revision=revision, previous=previous, user=user
    )
    if not _bulk.get():
        linking.update_links(procedure)  # may re-render the approved text, so before indexing it
        search.index_procedure(procedure)
        caching.invalidate(caching.MANUAL, caching.WORK)
    notifications.approved(procedure=procedure, revision=revision, user=user)
    notifications.out_of_date(procedure=procedure, approved=revision)


def revision_rejected(*, procedure: Procedure, revision: Revision, user: AbstractBaseUser) -> None:
    work_changed()
    notifications.rejected(procedure=procedure, revision=revision, user=user)


def manual_rewritten() -> tuple[int, int]:
    """Procedures or revisions were written in bulk (an import, a generated corpus, a restore):
    re-resolve every link, rebuild the search index, and give readers' pages new versions.
    Return (procedures whose links were re-resolved, procedures indexed)."""
    linked = linking.refresh_all_links()
    indexed = search.rebuild_index()
    caching.invalidate(caching.MANUAL, caching.WORK)
    return linked, indexed


def people_changed() -> None:
    """A user was changed: names on reading pages and permission sets may differ."""
    caching.invalidate(caching.MANUAL, caching.PERMISSIONS)


def permissions_changed() -> None:
    """Roles or permissions changed: every cached permission set is read again."""
    caching.invalidate(caching.PERMISSIONS)


def favourites_changed(user_id: int) -> None:
    """A reader starred or unstarred a procedure: their star set is read afresh."""
    forget_favourites(user_id)


def procedure_viewed(user_id: int) -> None:
    """A reader opened a procedure: their "Recently viewed" is read afresh."""
    refresh_bookmarks(user_id)
