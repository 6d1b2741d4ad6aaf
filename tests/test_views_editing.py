"""Editing through the site: adding a procedure, drafts, preview, stale saves, size limit,
submit/withdraw/discard/restore and bringing a draft up to date."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures import workflow
from procedures.models import Procedure, Revision
from tests.factories import ProcedureFactory
from tests.pages import POST_ONLY, draft_form, messages_of, purl, rurl, text
from tests.test_workflow import publish, reload, write

Status = Revision.Status
pytestmark = pytest.mark.django_db


def start(client, procedure) -> Revision:
    response = client.post(purl("start_draft", procedure))
    assert response.status_code == HTTPStatus.FOUND
    return Revision.objects.get(
        procedure=procedure,
        status=Status.DRAFT,
        author__username=response.wsgi_request.user.username,
    )


# Every state change is POST only.


@pytest.mark.parametrize("name", POST_ONLY)
def test_get_is_refused_on_every_state_changing_url(as_user, editor, approver, procedure, name):
    revision = write(procedure, editor, "Body")
    client = as_user(approver)
    if name == "preview":
        url, back = reverse("procedures:preview"), reverse("procedures:my_work")
    elif name == "start_draft":
        url, back = purl(name, procedure), purl("edit", procedure)
    elif name == "autosave":
        url, back = rurl(name, revision), rurl("revision_edit", revision)
    else:
        url, back = rurl(name, revision), rurl("revision", revision)
    response = client.get(url)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST"
    # The site's own page, in the layout, linking to the page whose button does it.
    page = response.content.decode()
    assert "This address works only from its button" in page
    assert f'href="{back}" class="back-to-action"' in page
    assert "Operations Manual" in page
    assert reload(revision).status == Status.IN_REVIEW
    assert procedure.revisions.count() == 1


def test_get_on_an_action_of_a_revision_that_does_not_exist_is_404(as_user, editor, procedure):
    revision = write(procedure, editor, "Body")
    url = rurl("reject", revision).replace(f"/revisions/{revision.number}/", "/revisions/99/")
    assert as_user(editor).get(url).status_code == HTTPStatus.NOT_FOUND


# Adding a procedure.


def create_url(section):
    return reverse(
        "procedures:procedure_create",
        kwargs={"volume": section.volume.number, "section": section.numeral},
    )


def test_editor_adds_a_procedure_to_a_section(as_user, editor, procedure):
    client = as_user(editor)
    section = procedure.section
    url = create_url(section)
    assert "Add a procedure to this section" in text(client.get(section.get_absolute_url()))
    assert client.get(url).status_code == HTTPStatus.OK
    response = client.post(url, {"title": "Printer Jams"})
    created = Procedure.objects.get(title="Printer Jams")
    assert response["Location"] == created.get_absolute_url()
    assert created.section == section and created.current_revision is None
    page = client.get(created.get_absolute_url())
    assert "Not yet written." in text(page)


def test_new_is_a_reserved_slug(as_user, editor, procedure):
    client = as_user(editor)
    section = procedure.section
    url = create_url(section)
    client.post(url, {"title": "New"})
    created = Procedure.objects.get(title="New")
    assert created.slug == "new-2"
    assert client.get(created.get_absolute_url()).status_code == HTTPStatus.OK


def test_a_blank_title_is_refused_and_kept(as_user, editor, procedure):
    client = as_user(editor)
    section = procedure.section
    url = create_url(section)
    response = client.post(url, {"title": "   "})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This field is required." in text(response)
    assert Procedure.objects.count() == 1


def test_reader_cannot_add_a_procedure(as_user, reader, procedure):
    client = as_user(reader)
    section = procedure.section
    url = create_url(section)
    assert "Add a procedure" not in text(client.get(section.get_absolute_url()))
    assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    response = client.post(url, {"title": "Sneaky"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Only editors can add procedures." in text(response)
    assert not Procedure.objects.filter(title="Sneaky").exists()


def test_adding_to_an_unknown_section_is_404(as_user, editor, procedure):
    url = reverse("procedures:procedure_create", kwargs={"volume": 9, "section": "IX"})
    assert as_user(editor).get(url).status_code == HTTPStatus.NOT_FOUND


# Starting and continuing a draft.


def test_edit_starts_a_draft_and_opening_it_again_continues_it(
    as_user, editor, other_editor, approver, procedure
):
    publish(procedure, other_editor, approver, "# Approved\n\nThe approved steps.\n")
    client = as_user(editor)
    page = text(client.get(procedure.get_absolute_url()))
    assert f'action="{purl("start_draft", procedure)}"' in page
    entry = client.get(purl("edit", procedure))
    assert "Start a draft" in text(entry)
    response = client.post(purl("start_draft", procedure))
    draft = Revision.objects.get(procedure=procedure, status=Status.DRAFT)
    assert response["Location"] == rurl("revision_edit", draft)
    assert draft.body == "# Approved\n\nThe approved steps.\n"
    client.post(purl("start_draft", procedure))
    assert procedure.revisions.filter(status=Status.DRAFT).count() == 1
    assert client.get(purl("edit", procedure))["Location"] == rurl("revision_edit", draft)
    page = text(client.get(procedure.get_absolute_url()))
    assert f'href="{rurl("revision_edit", draft)}"' in page
    assert "continue revision 2" in page


def test_reader_has_no_edit_button_and_cannot_start_a_draft(as_user, reader, procedure):
    client = as_user(reader)
    page = text(client.get(procedure.get_absolute_url()))
    assert purl("start_draft", procedure) not in page
    assert client.get(purl("edit", procedure)).status_code == HTTPStatus.FORBIDDEN
    response = client.post(purl("start_draft", procedure))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Only editors can edit procedures." in text(response)
    assert not procedure.revisions.exists()


def test_edit_page_has_the_form_and_a_server_side_preview(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    workflow.revision_save_draft(
        revision=draft, user=editor, body="# Check the UPS\n\n- battery", summary="UPS",
        expected_version=1,
    )  # fmt: skip
    page = text(client.get(rurl("revision_edit", draft)))
    assert 'class="font-monospace draft-body' in page
    assert '<input type="hidden" name="version" value="2"' in page
    assert 'value="save">Save draft' in page and 'value="preview">Preview' in page
    assert 'value="submit">Submit for review' in page
    assert '<h1 id="check-the-ups">Check the UPS' in page  # the preview, rendered
    assert "/static/js/preview.js" in page and "<script>" not in page


def test_edit_page_says_who_else_is_drafting_the_procedure_but_not_their_text(
    as_user, editor, other_editor, procedure
):
    other_editor.first_name, other_editor.last_name = "Olive", "Other"
    other_editor.save()
    theirs = workflow.revision_start_draft(procedure=procedure, user=other_editor)
    workflow.revision_save_draft(
        revision=theirs, user=other_editor, body="Their secret words", summary="Theirs",
        expected_version=1,
    )  # fmt: skip
    client = as_user(editor)
    draft = start(client, procedure)
    page = text(client.get(rurl("revision_edit", draft)))
    assert "Someone else is also drafting this procedure:" in page
    assert "Olive Other, since" in page
    assert "Their secret words" not in page and "Theirs" not in page
    # Their own page does not name them, and nobody is named once the other draft is gone.
    own = text(as_user(other_editor).get(rurl("revision_edit", theirs)))
    assert "Olive Other, since" not in own and "editor, since" in own
    workflow.revision_discard(revision=theirs, user=other_editor)
    assert "Someone else is also drafting" not in text(
        as_user(editor).get(rurl("revision_edit", draft))
    )


def test_save_draft(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    response = client.post(
        rurl("revision_edit", draft), draft_form(draft, body="Step one\n", summary="First go")
    )
    assert response["Location"] == rurl("revision_edit", draft)
    assert "Draft saved (revision 1)." in messages_of(response)
    draft = reload(draft)
    assert (draft.body, draft.summary, draft.version) == ("Step one\n", "First go", 2)


def test_windows_line_endings_are_normalised(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    client.post(rurl("revision_edit", draft), draft_form(draft, body="a\r\nb\r\n"))
    assert reload(draft).body == "a\nb\n"


def test_preview_button_works_without_javascript_and_saves_nothing(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    response = client.post(
        rurl("revision_edit", draft),
        draft_form(draft, body="## Unsaved heading\n\n<script>alert(1)</script>", action="preview"),
    )
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert '<h2 id="unsaved-heading">Unsaved heading' in page
    assert "<script>alert(1)</script>" not in page  # sanitised in the preview, escaped in the form
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in page
    assert "of the text in the form (not saved)" in page
    assert reload(draft).version == 1 and reload(draft).body == ""


def test_stale_save_from_a_second_tab_is_refused_and_both_texts_are_shown(
    as_user, editor, procedure
):
    client = as_user(editor)
    draft = start(client, procedure)
    tab_one = draft_form(draft, body="Text typed in tab one\n")
    tab_two = draft_form(draft, body="Text typed in tab two\n")
    assert client.post(rurl("revision_edit", draft), tab_one).status_code == HTTPStatus.FOUND
    response = client.post(rurl("revision_edit", draft), tab_two)
    assert response.status_code == HTTPStatus.CONFLICT
    page = text(response)
    assert "saved from another window" in page
    assert "Text typed in tab two\n</textarea>" in page  # mine, still in the form
    assert "readonly>Text typed in tab one\n</textarea>" in page  # the saved one, beside it
    assert '<input type="hidden" name="version" value="2"' in page
    assert reload(draft).body == "Text typed in tab one\n"
    # Saving the combined text again goes through: the form now carries the saved version.
    combined = draft_form(draft, body="Tab one and tab two\n", version=2)
    assert client.post(rurl("revision_edit", draft), combined).status_code == HTTPStatus.FOUND
    assert reload(draft).body == "Tab one and tab two\n"


def test_body_over_the_limit_is_refused_and_kept_in_the_form(as_user, editor, procedure, settings):
    settings.SOP_MAX_BODY_BYTES = 1000
    client = as_user(editor)
    draft = start(client, procedure)
    body = "é" * 600  # 1200 bytes
    response = client.post(rurl("revision_edit", draft), draft_form(draft, body=body))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = text(response)
    assert "The text is 1,200 bytes; the limit is 1,000 bytes." in page
    assert body + "</textarea>" in page
    assert reload(draft).body == ""
    # The page tells the browser the same limit, for static/js/size-guard.js.
    assert 'data-max-bytes="1000"' in page


@pytest.mark.parametrize("version", ["", "two", "-1", "1.5"])
def test_a_tampered_version_is_refused_and_the_text_kept(as_user, editor, procedure, version):
    client = as_user(editor)
    draft = start(client, procedure)
    response = client.post(
        rurl("revision_edit", draft), draft_form(draft, body="Keep me\n", version=version)
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Keep me\n</textarea>" in text(response)
    assert "Reload the page" in text(response)
    assert reload(draft).body == ""


def test_an_unknown_button_saves_nothing(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    response = client.post(
        rurl("revision_edit", draft), draft_form(draft, body="Keep me\n", action="publish")
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Keep me\n</textarea>" in text(response)
    assert reload(draft).version == 1


def test_submit_from_the_edit_form_saves_and_submits(
    as_user, editor, approver, procedure, django_capture_on_commit_callbacks
):
    from django.core import mail

    client = as_user(editor)
    draft = start(client, procedure)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            rurl("revision_edit", draft),
            draft_form(draft, body="Final text\n", summary="Ready", action="submit"),
        )
    assert response["Location"] == rurl("revision", draft)
    draft = reload(draft)
    assert (draft.status, draft.body, draft.summary) == (Status.IN_REVIEW, "Final text\n", "Ready")
    assert mail.outbox[-1].to == [approver.email]
    assert rurl("review", draft) in mail.outbox[-1].body


def test_submit_without_summary_is_refused_and_nothing_is_lost(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    response = client.post(
        rurl("revision_edit", draft), draft_form(draft, body="Unsaved work\n", action="submit")
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = text(response)
    assert "Say what changed and why before submitting." in page
    assert "Unsaved work\n</textarea>" in page
    # The text is saved first (issue 15), so leaving the page now loses nothing; the form
    # carries the new version, so the next save follows on.
    draft = reload(draft)
    assert draft.status == Status.DRAFT and draft.body == "Unsaved work\n"
    assert "Your text is saved (draft revision" in page
    assert f'name="version" value="{draft.version}"' in page
    assert "data-unsaved" not in page
    response = client.post(
        rurl("revision_edit", draft),
        draft_form(draft, body="More work\n", summary="Now with a summary", action="submit"),
    )
    assert response.status_code == HTTPStatus.FOUND
    assert reload(draft).status == Status.IN_REVIEW


def test_a_refused_submit_from_a_stale_form_saves_nothing(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    workflow.revision_save_draft(
        revision=draft, user=editor, body="Other tab", summary="", expected_version=1
    )
    response = client.post(
        rurl("revision_edit", draft), draft_form(draft, body="This tab\n", action="submit")
    )
    assert response.status_code == HTTPStatus.CONFLICT
    assert reload(draft).body == "Other tab"


# Autosave (static/js/autosave.js posts here).


def autosave(client, draft, **data):
    fields = {"body": draft.body, "summary": draft.summary, "version": draft.version, **data}
    return client.post(rurl("autosave", draft), fields)


def test_autosave_saves_and_answers_the_new_version(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    response = autosave(client, draft, body="Typed so far\n", summary="Half")
    assert response.status_code == HTTPStatus.OK
    answer = response.json()
    draft = reload(draft)
    assert answer["saved"] is True and answer["version"] == draft.version == 2
    assert (draft.body, draft.summary) == ("Typed so far\n", "Half")
    # Saving on, with the version it was given, works; a typing session is one trail line.
    assert autosave(client, draft, body="Typed more\n").json()["version"] == 3
    assert autosave(client, reload(draft), body="Typed most\n").json()["version"] == 4
    assert procedure.events.filter(action="saved").count() == 1


def test_autosave_from_a_second_tab_never_overwrites(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    first_tab = autosave(client, draft, body="First tab\n")
    assert first_tab.status_code == HTTPStatus.OK
    second_tab = autosave(client, draft, body="Second tab\n")  # still at version 1
    assert second_tab.status_code == HTTPStatus.CONFLICT
    answer = second_tab.json()
    assert answer["saved"] is False and answer["conflict"] is True
    assert answer["version"] == 2 and "another window" in answer["message"]
    assert reload(draft).body == "First tab\n"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"version": ""}, HTTPStatus.BAD_REQUEST),
        ({"version": "x"}, HTTPStatus.BAD_REQUEST),
        ({"body": "x" * 3_000}, HTTPStatus.BAD_REQUEST),
    ],
)
def test_autosave_refuses_bad_input_with_json(as_user, editor, procedure, settings, data, status):
    settings.SOP_MAX_BODY_BYTES = 2_000
    client = as_user(editor)
    draft = start(client, procedure)
    response = autosave(client, draft, **data)
    assert response.status_code == status
    assert response.json()["saved"] is False and response.json()["message"]
    assert reload(draft).body == ""


def test_autosave_of_another_editors_draft_or_a_submitted_one_is_refused(
    as_user, editor, other_editor, procedure
):
    draft = start(as_user(editor), procedure)
    response = autosave(as_user(other_editor), draft, body="Mine now")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert reload(draft).body == ""
    submitted = write(ProcedureFactory(section=procedure.section), editor, "Body")
    response = autosave(as_user(editor), submitted, body="Changed")
    assert response.status_code == HTTPStatus.CONFLICT
    assert reload(submitted).body == "Body"


def test_edit_page_marks_text_that_is_not_saved(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    page = text(client.get(rurl("revision_edit", draft)))
    assert f'data-autosave-url="{rurl("autosave", draft)}"' in page
    assert "data-unsaved" not in page
    assert "/static/js/autosave.js" in page and "/static/js/unsaved-warning.js" in page
    preview = client.post(
        rurl("revision_edit", draft), draft_form(draft, body="New", action="preview")
    )
    assert "data-unsaved" in text(preview)


def test_another_editors_draft_cannot_be_opened_or_saved(as_user, editor, other_editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    workflow.revision_save_draft(
        revision=draft, user=editor, body="SECRET-DRAFT-TEXT", summary="", expected_version=1
    )
    client = as_user(other_editor)
    response = client.get(rurl("revision_edit", draft))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "SECRET-DRAFT-TEXT" not in text(response)
    response = client.post(rurl("revision_edit", draft), draft_form(reload(draft), body="mine"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert reload(draft).body == "SECRET-DRAFT-TEXT"


def test_a_submitted_revision_is_not_editable(as_user, editor, procedure):
    revision = write(procedure, editor, "Submitted text\n")
    client = as_user(editor)
    response = client.get(rurl("revision_edit", revision))
    assert response["Location"] == rurl("revision", revision)
    response = client.post(
        rurl("revision_edit", revision), draft_form(revision, body="Changed after submit\n")
    )
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Revision 1 is in review; it cannot be edited." in text(response)
    assert "Changed after submit\n</textarea>" in text(response)
    assert reload(revision).body == "Submitted text\n"


# The live-preview endpoint.


def test_preview_endpoint_renders_sanitised_html_for_editors(as_user, editor):
    client = as_user(editor)
    response = client.post(
        reverse("procedures:preview"), {"body": "**bold** <img src=x onerror=alert(1)>"}
    )
    assert response.status_code == HTTPStatus.OK
    assert "<strong>bold</strong>" in text(response)
    assert "onerror" not in text(response)


def test_preview_endpoint_refuses_readers_and_oversized_bodies(as_user, reader, editor, settings):
    assert (
        as_user(reader).post(reverse("procedures:preview"), {"body": "x"}).status_code
        == HTTPStatus.FORBIDDEN
    )
    settings.SOP_MAX_BODY_BYTES = 10
    response = as_user(editor).post(reverse("procedures:preview"), {"body": "x" * 11})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "the limit is 10 bytes" in text(response)


def test_preview_endpoint_needs_the_csrf_token(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(reverse("procedures:preview"), {"body": "x"}).status_code == 403


# The author's actions from the revision page.


def test_submit_withdraw_and_discard_through_the_site(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    client.post(rurl("revision_edit", draft), draft_form(draft, body="Body\n"))
    page = text(client.get(rurl("revision", draft)))
    assert f'action="{rurl("submit", draft)}"' in page
    response = client.post(rurl("submit", draft), {"summary": "Written"})
    assert response.status_code == HTTPStatus.FOUND
    assert reload(draft).status == Status.IN_REVIEW
    page = text(client.get(rurl("revision", draft)))
    assert f'action="{rurl("withdraw", draft)}"' in page
    response = client.post(rurl("withdraw", draft))
    assert response["Location"] == rurl("revision_edit", draft)
    assert reload(draft).status == Status.DRAFT
    response = client.post(rurl("discard", draft))
    assert response["Location"] == procedure.get_absolute_url()
    assert not procedure.revisions.exists()


def test_submit_without_a_summary_from_the_revision_page(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    response = client.post(rurl("submit", draft), {"summary": ""})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Say what changed and why" in text(response)
    assert 'name="summary"' in text(response)  # the form to try again
    assert reload(draft).status == Status.DRAFT


@pytest.mark.parametrize(
    ("role", "action", "status"),
    [
        ("other_editor", "submit", HTTPStatus.FORBIDDEN),
        ("other_editor", "discard", HTTPStatus.FORBIDDEN),
        ("approver", "discard", HTTPStatus.FORBIDDEN),
        ("reader", "submit", HTTPStatus.FORBIDDEN),
        ("reader", "discard", HTTPStatus.FORBIDDEN),
        ("editor", "withdraw", HTTPStatus.CONFLICT),  # a draft is not in review
        ("editor", "approve", HTTPStatus.FORBIDDEN),
        ("approver", "approve", HTTPStatus.CONFLICT),  # a draft cannot be approved
        ("editor", "restore", HTTPStatus.CONFLICT),  # a draft cannot be restored
    ],
)
def test_forbidden_actions_on_a_draft(request, as_user, editor, procedure, role, action, status):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    draft = workflow.revision_save_draft(
        revision=draft, user=editor, body="DRAFT-MARKER", summary="s", expected_version=1
    )
    client = as_user(request.getfixturevalue(role))
    response = client.post(rurl(action, draft), {"summary": "x", "comment": "x"})
    assert response.status_code == status
    page = text(response)
    assert "Operations Manual" in page  # in the site layout
    if role != "editor":  # only its author sees a draft's text
        assert "DRAFT-MARKER" not in page
    assert reload(draft).status == Status.DRAFT and reload(draft).body == "DRAFT-MARKER"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("reader", False), ("editor", True), ("approver", True), ("superuser", True)],
)
def test_who_may_restore_through_the_site(
    request, as_user, other_editor, approver, procedure, role, allowed
):
    old = publish(procedure, other_editor, approver, "Old way\n")
    publish(procedure, other_editor, approver, "New way\n")
    user = request.getfixturevalue(role)
    response = as_user(user).post(rurl("restore", old))
    drafts = procedure.revisions.filter(status=Status.DRAFT, author=user)
    if allowed:
        draft = drafts.get()
        assert draft.body == "Old way\n"
        assert response["Location"] == rurl("revision_edit", draft)
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert not drafts.exists()


def test_restore_refused_while_a_draft_is_open_keeps_the_draft(
    as_user, editor, other_editor, approver, procedure
):
    old = publish(procedure, other_editor, approver, "Old\n")
    client = as_user(editor)
    draft = start(client, procedure)
    client.post(rurl("revision_edit", draft), draft_form(draft, body="Work in progress\n"))
    response = client.post(rurl("restore", old))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "already have an open draft" in text(response)
    assert reload(draft).body == "Work in progress\n"


# Out of date: bringing a draft up to date.


def _out_of_date_pair(editor, other_editor, approver, procedure, mine, theirs):
    publish(procedure, other_editor, approver, "Intro\n\nStep one\n\nStep two\n")
    my_draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    workflow.revision_save_draft(
        revision=my_draft, user=editor, body=mine, summary="Mine", expected_version=1
    )
    publish(procedure, other_editor, approver, theirs)
    return reload(my_draft)


def test_out_of_date_draft_is_merged_without_overlap(
    as_user, editor, other_editor, approver, procedure
):
    draft = _out_of_date_pair(
        editor, other_editor, approver, procedure,
        mine="Intro\n\nStep one\n\nStep two\n\nStep three\n",
        theirs="Intro, revised\n\nStep one\n\nStep two\n",
    )  # fmt: skip
    client = as_user(editor)
    page = text(client.get(rurl("revision_edit", draft)))
    assert "Out of date." in page
    assert 'form="draft-form" name="action" value="update"' in page
    response = client.post(rurl("update", draft))
    assert response["Location"] == rurl("revision_edit", draft)
    assert "no conflicts" in messages_of(response)[0]
    assert reload(draft).body == "Intro, revised\n\nStep one\n\nStep two\n\nStep three\n"
    page = text(client.get(rurl("revision_edit", draft)))
    assert "Out of date." not in page and "conflict" not in page.split("<form")[0].lower()


def test_out_of_date_draft_with_overlap_shows_the_conflicts(
    as_user, editor, other_editor, approver, procedure
):
    draft = _out_of_date_pair(
        editor, other_editor, approver, procedure,
        mine="Intro\n\nStep one, by phone\n\nStep two\n",
        theirs="Intro\n\nStep one, by email\n\nStep two\n",
    )  # fmt: skip
    client = as_user(editor)
    response = client.post(rurl("update", draft))
    assert "1 place(s) where you both changed the same lines" in messages_of(response)[0]
    page = text(client.get(rurl("revision_edit", draft)))
    assert "1 conflict to resolve." in page
    assert (
        "&lt;&lt;&lt;&lt;&lt;&lt;&lt; your draft\nStep one, by phone\n=======\nStep one, by email\n"
        in page
    )
    # The preview shows each side in a box named after it, not the markers as Markdown
    # (a heading underline and quotes), both on the page and in the live preview.
    preview = page.split('id="draft-preview"')[1]
    assert '<p class="admonition-title">Conflict: your draft</p>\n<p>Step one, by phone</p>' in (
        preview
    )
    assert "Conflict: approved revision" in preview and "<blockquote>" not in preview
    live = text(client.post(reverse("procedures:preview"), {"body": reload(draft).body}))
    assert '<p class="admonition-title">Conflict: your draft</p>' in live
    assert "<h1" not in live and "<blockquote>" not in live
    # A draft with markers cannot be submitted; the text stays in the form.
    response = client.post(
        rurl("revision_edit", draft),
        draft_form(reload(draft), summary="Phone", action="submit"),
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Resolve them first" in text(response)
    assert reload(draft).status == Status.DRAFT
    # Resolved, it goes through.
    response = client.post(
        rurl("revision_edit", draft),
        draft_form(reload(draft), body="Intro\n\nStep one, by phone or email\n\nStep two\n",
                   summary="Phone", action="submit"),
    )  # fmt: skip
    assert response.status_code == HTTPStatus.FOUND
    assert reload(draft).status == Status.IN_REVIEW


def test_bring_up_to_date_from_the_edit_form_keeps_what_was_typed(
    as_user, editor, other_editor, approver, procedure
):
    draft = _out_of_date_pair(
        editor, other_editor, approver, procedure,
        mine="Intro\n\nStep one\n\nStep two\n\nStep three\n",
        theirs="Intro, revised\n\nStep one\n\nStep two\n",
    )  # fmt: skip
    client = as_user(editor)
    typed = "Intro\n\nStep one\n\nStep two\n\nStep three\n\nStep four, typed not saved\n"
    response = client.post(
        rurl("revision_edit", draft),
        draft_form(draft, body=typed, summary="Mine", action="update"),
    )
    assert response["Location"] == rurl("revision_edit", draft)
    assert "no conflicts" in messages_of(response)[0]
    assert reload(draft).body == (
        "Intro, revised\n\nStep one\n\nStep two\n\nStep three\n\nStep four, typed not saved\n"
    )


def test_bring_up_to_date_from_the_edit_form_when_up_to_date_still_saves(
    as_user, editor, procedure
):
    client = as_user(editor)
    draft = start(client, procedure)
    response = client.post(
        rurl("revision_edit", draft),
        draft_form(draft, body="Typed", summary="S", action="update"),
    )
    assert response.status_code == HTTPStatus.FOUND
    assert (
        "Draft saved, but not brought up to date: This revision is already up to date."
        in (messages_of(response)[-1])
    )
    assert reload(draft).body == "Typed"


def test_update_of_an_up_to_date_draft_is_409(as_user, editor, procedure):
    client = as_user(editor)
    draft = start(client, procedure)
    response = client.post(rurl("update", draft))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "already up to date" in text(response)


def test_only_the_author_may_bring_a_draft_up_to_date(
    as_user, editor, other_editor, approver, procedure
):
    draft = _out_of_date_pair(
        editor, other_editor, approver, procedure, mine="Mine\n", theirs="Theirs\n"
    )
    response = as_user(other_editor).post(rurl("update", draft))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert reload(draft).body == "Mine\n"


# Tampered URLs.


def test_tampered_revision_urls(as_user, editor, procedure):
    other = ProcedureFactory()
    draft = workflow.revision_start_draft(procedure=other, user=editor)
    client = as_user(editor)
    wrong_procedure = reverse(
        "procedures:revision_edit", kwargs={**procedure.url_kwargs(), "number": draft.number}
    )
    assert client.get(wrong_procedure).status_code == HTTPStatus.NOT_FOUND
    response = client.post(
        reverse("procedures:discard", kwargs={**procedure.url_kwargs(), "number": draft.number})
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "has no revision 1" in text(response)
    assert Revision.objects.filter(pk=draft.pk).exists()
    assert client.get(f"{purl('procedure', procedure)}revisions/abc/edit/").status_code == 404
    assert client.post(f"{purl('procedure', procedure)}revisions/99/submit/").status_code == 404


# The menu.


def test_menu_offers_my_work_to_editors_and_the_queue_to_approvers(
    as_user, reader, editor, approver, other_editor, procedure
):
    write(procedure, other_editor, "Body")
    reader_page = text(as_user(reader).get("/"))
    assert "My work" not in reader_page and "Review queue" not in reader_page
    editor_page = text(as_user(editor).get("/"))
    assert 'href="/my-work/">My work' in editor_page and "Review queue" not in editor_page
    approver_page = text(as_user(approver).get("/"))
    assert "My work" in approver_page
    assert '<span class="badge text-bg-warning review-count">1<' in approver_page


# Query counts do not grow with the data.


@pytest.mark.parametrize("size", [1, 40])
def test_edit_page_query_count(
    as_user, editor, other_editor, approver, procedure, size, django_assert_max_num_queries
):
    for n in range(size):
        publish(procedure, other_editor, approver, f"Version {n}\n" * (n + 1))
    client = as_user(editor)
    draft = start(client, procedure)
    with django_assert_max_num_queries(10):
        assert client.get(rurl("revision_edit", draft)).status_code == HTTPStatus.OK


@pytest.mark.parametrize("size", [1, 40])
def test_procedure_page_query_count_for_editors(
    as_user, editor, other_editor, approver, procedure, size, django_assert_max_num_queries
):
    for _ in range(size):
        write(ProcedureFactory(section=procedure.section), other_editor, "x")
    write(procedure, other_editor, "Body")
    workflow.revision_start_draft(procedure=procedure, user=editor)
    client = as_user(approver)
    # A reader's 11 (test_reading_views, stars included) + 1 for the editor's own open draft,
    # + 1 for the acknowledgement rule named in the cached header, + 2 for the user's reading
    # state, built on their first page after a change (the acknowledgement rules; their
    # rejected work to revise), then one cache lookup (tests/compliance).
    with django_assert_max_num_queries(15):
        page = text(client.get(procedure.get_absolute_url()))
    assert "A newer revision of this procedure is in review" in page


# Templates for new procedures (issue 15).


@pytest.fixture
def template(editor, approver, procedure):
    """An approved procedure marked as a template, in another section."""
    checklist = ProcedureFactory(title="SOP template", is_template=True)
    publish(checklist, editor, approver, "## Purpose\n\n## Steps\n\n## Escalation\n")
    return reload_procedure(checklist)


def reload_procedure(procedure):
    return Procedure.objects.with_place().get(pk=procedure.pk)


def test_a_new_procedure_starts_from_its_sections_default_template(as_user, editor, procedure):
    procedure.section.default_template = "## Purpose\n\n## Scope\n"
    procedure.section.save()
    draft = start(as_user(editor), procedure)
    assert draft.body == "## Purpose\n\n## Scope\n"


def test_a_written_procedure_starts_from_its_approved_text_not_the_template(
    as_user, editor, approver, procedure
):
    publish(procedure, editor, approver, "Approved words\n")
    procedure.section.default_template = "## Purpose\n"
    procedure.section.save()
    assert start(as_user(editor), procedure).body == "Approved words\n"


def test_the_edit_start_page_offers_templates_and_starts_from_the_one_chosen(
    as_user, editor, procedure, template
):
    client = as_user(editor)
    page = text(client.get(purl("edit", procedure)))
    assert 'name="template"' in page and ">SOP template<" in page
    response = client.post(purl("start_draft", procedure), {"template": template.pk})
    assert response.status_code == HTTPStatus.FOUND
    draft = Revision.objects.get(procedure=procedure, status=Status.DRAFT)
    assert draft.body == "## Purpose\n\n## Steps\n\n## Escalation\n"


@pytest.mark.parametrize("value", ["999999", "x", "-1"])
def test_starting_from_something_that_is_not_a_template_is_a_clear_400(
    as_user, editor, procedure, template, value
):
    response = as_user(editor).post(purl("start_draft", procedure), {"template": value})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not procedure.revisions.exists()


def test_an_unmarked_or_written_procedure_is_no_template(
    as_user, editor, approver, procedure, template
):
    template.is_template = False
    template.save()
    response = as_user(editor).post(purl("start_draft", procedure), {"template": template.pk})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    template.is_template = True
    template.save()
    publish(procedure, editor, approver, "Written\n")
    with pytest.raises(ValidationError, match="not yet written"):
        workflow.revision_start_draft(procedure=procedure, user=editor, template=template)
    page = text(as_user(editor).get(purl("edit", procedure)))
    assert 'name="template"' not in page  # nothing to choose for a written procedure


def test_the_page_of_a_procedure_not_yet_written_leads_editors_to_the_templates(
    as_user, editor, approver, reader, procedure
):
    link = f'href="{purl("edit", procedure)}">Start from a template'
    assert link in text(as_user(editor).get(purl("procedure", procedure)))
    assert link not in text(as_user(reader).get(purl("procedure", procedure)))
    publish(procedure, editor, approver, "Written\n")
    assert link not in text(as_user(editor).get(purl("procedure", procedure)))
