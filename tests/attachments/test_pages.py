"""The files a procedure's text refers to, listed on its page (cached with the approved text),
and the images and files a revision adds or removes, on the review and compare pages."""

import re
from http import HTTPStatus

import pytest

from procedures import workflow
from procedures.linking import render_body
from tests.attachments.files import attach, image_bytes
from tests.factories import ProcedureFactory, SectionFactory, UserFactory, approved_revision
from tests.pages import purl, rurl, text
from tests.test_query_counts import cold_and_warm

pytestmark = pytest.mark.django_db


def new_revision(procedure, editor, files, *, body="# Steps\n\nDo it."):
    """A draft of `procedure` by `editor` with `files` [(content, name)] in its text."""
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    draft.body = body
    render_body(draft)
    draft.save()
    return draft, [attach(draft, content, name) for content, name in files]


def approve(draft, editor, approver):
    workflow.revision_submit(revision=draft, user=editor, summary="Files")
    draft.refresh_from_db()
    return workflow.revision_approve(revision=draft, user=approver)


def screenshots(count, start=0):
    return [
        (image_bytes(color=(i % 256, 10, 10)), f"step-{i}.png") for i in range(start, start + count)
    ]


@pytest.fixture
def procedure(approver):
    procedure = ProcedureFactory(section=SectionFactory(numeral="I"), owner=UserFactory())
    approved_revision(procedure, author=approver)
    return procedure


def test_the_procedure_page_lists_the_attached_files(reader_client, procedure, editor, approver):
    files = [(image_bytes(size=(40, 30)), "console.png"), (b"%PDF-1.4\n" * 200, "Runbook.pdf")]
    draft, (image, pdf) = new_revision(procedure, editor, files)
    approve(draft, editor, approver)
    page = text(reader_client.get(procedure.get_absolute_url()))
    listing = page[page.index('class="attached-files') :]
    assert f'<a href="{image.get_absolute_url()}">console.png</a>' in listing
    assert "Image · image/png · " in listing and "40 \u00d7 30 px" in listing
    assert f'<a href="{pdf.get_absolute_url()}">Runbook.pdf</a>' in listing
    assert "File · application/pdf · 1.8 KB" in listing
    # Readers may fetch both.
    assert reader_client.get(pdf.get_absolute_url()).status_code == HTTPStatus.OK


def test_ten_screenshots_cost_no_more_queries_than_none(reader_client, procedure, editor, approver):
    bare = ProcedureFactory(section=procedure.section, owner=procedure.owner)
    draft, _ = new_revision(bare, editor, [])
    approve(draft, editor, approver)
    draft, _ = new_revision(procedure, editor, screenshots(10))
    approve(draft, editor, approver)
    none = cold_and_warm(reader_client, bare.get_absolute_url())
    ten = cold_and_warm(reader_client, procedure.get_absolute_url())
    assert none == ten
    assert ten[1] == 1  # warm: the whole page from the cache
    assert (
        text(reader_client.get(procedure.get_absolute_url())).count('class="attached-file"') == 10
    )


def test_the_list_changes_only_when_an_approved_revision_changes(
    reader_client, procedure, editor, approver
):
    draft, _ = new_revision(procedure, editor, [(image_bytes(), "old.png")])
    approve(draft, editor, approver)
    url = procedure.get_absolute_url()
    assert "old.png" in text(reader_client.get(url))
    newer, _ = new_revision(procedure, editor, [(image_bytes(color=(0, 0, 255)), "new.png")])
    workflow.revision_submit(revision=newer, user=editor, summary="New screenshot")
    page = text(reader_client.get(url))
    assert "old.png" in page and "new.png" not in page  # in review: not for readers
    newer.refresh_from_db()
    workflow.revision_approve(revision=newer, user=approver)
    page = text(reader_client.get(url))
    assert "new.png" in page and "old.png" not in page


def test_the_review_page_shows_images_added_and_removed(procedure, editor, approver, as_user):
    kept, dropped = (
        (image_bytes(color=(1, 1, 1)), "kept.png"),
        (image_bytes(color=(2, 2, 2)), "dropped.png"),
    )
    draft, (kept_file, dropped_file) = new_revision(procedure, editor, [kept, dropped])
    approve(draft, editor, approver)
    newer, (_, added_file) = new_revision(
        procedure, editor, [kept, (image_bytes(color=(3, 3, 3)), "added.png")]
    )
    workflow.revision_submit(revision=newer, user=editor, summary="Swap a screenshot")
    page = text(as_user(approver).get(rurl("review", newer)))
    added = page[page.index('class="list-unstyled attachment-added"') :].split("</ul>")[0]
    removed = page[page.index('class="list-unstyled attachment-removed"') :].split("</ul>")[0]
    assert "added.png" in added and "dropped.png" not in added and "kept.png" not in added
    assert "dropped.png" in removed and "added.png" not in removed
    assert re.search(
        rf'<img class="attachment-thumb[^>]*src="{re.escape(added_file.display_url())}"', added
    )
    assert re.search(
        rf'<img class="attachment-thumb[^>]*src="{re.escape(dropped_file.display_url())}"', removed
    )
    assert (
        kept_file.name
        not in page.split('id="attachment-changes-heading"')[1].split("</section>")[0]
    )


def test_the_compare_page_shows_files_added_and_removed(procedure, editor, approver, reader_client):
    draft, _ = new_revision(procedure, editor, [(b"%PDF-1.4\n", "old-runbook.pdf")])
    first = approve(draft, editor, approver)
    draft, _ = new_revision(procedure, editor, [(image_bytes(), "diagram.png")])
    second = approve(draft, editor, approver)
    page = text(
        reader_client.get(purl("compare", procedure, f"?from={first.number}&to={second.number}"))
    )
    assert "Images and files" in page
    added = page[page.index("attachment-added") :].split("</ul>")[0]
    removed = page[page.index("attachment-removed") :].split("</ul>")[0]
    assert "diagram.png" in added and 'class="attachment-thumb' in added
    assert (
        "old-runbook.pdf" in removed and "attachment-thumb" not in removed
    )  # no thumbnail for a PDF


def test_no_files_no_section(procedure, editor, approver, as_user):
    draft, _ = new_revision(procedure, editor, [])
    workflow.revision_submit(revision=draft, user=editor, summary="Text only")
    assert "attachment-changes" not in text(as_user(approver).get(rurl("review", draft)))


def test_a_restored_revision_submitted_unsaved_still_lists_its_files(
    procedure, editor, approver, reader_client, as_user
):
    draft, (image,) = new_revision(procedure, editor, [(image_bytes(), "kept.png")])
    old = approve(draft, editor, approver)
    newer, _ = new_revision(procedure, editor, [])
    approve(newer, editor, approver)
    restored = workflow.revision_restore(revision=old, user=editor)
    client = as_user(editor)
    response = client.post(rurl("submit", restored), {"summary": "Back to the screenshot"})
    assert response.status_code == HTTPStatus.FOUND
    restored.refresh_from_db()
    workflow.revision_approve(revision=restored, user=approver)
    page = text(client.get(procedure.get_absolute_url()))
    assert f'<a href="{image.get_absolute_url()}">kept.png</a>' in page
