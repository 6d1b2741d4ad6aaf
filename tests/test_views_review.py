"""Reviewing through the site: the queue, the review page, approve and reject for every role,
four-eyes, stale approvals, emails, and the whole journey from empty to approved."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from procedures import workflow
from procedures.models import Procedure, Revision
from tests.factories import ProcedureFactory, UserFactory
from tests.pages import draft_form, messages_of, purl, rurl, text
from tests.test_workflow import publish, reload, write

Status = Revision.Status
pytestmark = pytest.mark.django_db


# The queue.


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("reader", HTTPStatus.FORBIDDEN),
        ("editor", HTTPStatus.FORBIDDEN),
        ("approver", HTTPStatus.OK),
        ("superuser", HTTPStatus.OK),
    ],
)
def test_who_sees_the_review_queue(request, as_user, role, status):
    response = as_user(request.getfixturevalue(role)).get(reverse("procedures:review_queue"))
    assert response.status_code == status


def test_queue_lists_revisions_in_review_oldest_first(
    as_user, editor, other_editor, approver, other_approver
):
    first = ProcedureFactory(title="Backup Checks")
    second = ProcedureFactory(title="Patch Tuesday")
    newer = write(second, other_editor, "Patch", summary="Add the reboot window")
    older = write(first, editor, "Backup", summary="Nightly restore test")
    Revision.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    workflow.revision_start_draft(procedure=first, user=other_editor)  # a draft: not listed
    page = text(as_user(approver).get(reverse("procedures:review_queue")))
    assert page.index("Backup Checks") < page.index("Patch Tuesday")
    assert "Nightly restore test" in page and "Add the reboot window" in page
    assert "3\xa0days" in page  # how long it has waited
    assert "other_editor" in page and "editor" in page
    assert rurl("review", older) in page and rurl("review", newer) in page
    assert page.count('href="/manual/') >= 4
    assert "out of date" not in page
    # Approving another revision of "Patch Tuesday" makes the queued one out of date.
    publish(second, editor, other_approver, "Patch, another way")
    page = text(as_user(approver).get(reverse("procedures:review_queue")))
    assert page.count("out of date") == 1


def test_empty_queue(as_user, approver):
    assert "Nothing waits for review." in text(
        as_user(approver).get(reverse("procedures:review_queue"))
    )


@pytest.mark.parametrize("size", [1, 30])
def test_queue_query_count_does_not_grow(
    as_user, editor, approver, size, django_assert_max_num_queries
):
    for _ in range(size):
        write(ProcedureFactory(), editor, "Body")
    client = as_user(approver)
    # + 2: the menu's reading state, built on the user's first page after a change (the
    # acknowledgement rules; their rejected work to revise), then one cache lookup.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("procedures:review_queue"))
    assert text(response).count('btn-primary" href=') == size


# The review page.


def test_review_page_shows_the_diff_folded_and_the_result(
    as_user, editor, other_editor, approver, procedure
):
    lines = [f"Line {n}" for n in range(1, 31)]
    publish(procedure, other_editor, approver, "\n".join(lines) + "\n")
    lines[14] = "Line 15, with the escalation number"
    del lines[25]
    revision = write(procedure, editor, "\n".join(lines) + "\n", summary="Escalation")
    page = text(as_user(approver).get(rurl("review", revision)))
    assert "1 line added" in page and "2 lines removed" in page
    assert "<del>" in page and "<ins>, with the escalation number</ins>" in page
    assert '<span class="visually-hidden">removed: </span>' in page
    # Unchanged stretches are folded into <details>, which needs no JavaScript.
    # 14 unchanged lines before the change: 3 shown, 11 folded; 10 between the changes:
    # 3 + 3 shown, 4 folded; the last 4 shown (folding a single line would save nothing).
    folds = re.findall(r"<summary>(\d+) unchanged lines?</summary>", page)
    assert folds == ["11", "4"]
    assert page.count('<details class="diff-fold">') == 2
    # The rendered result, as readers would see it.
    assert "<p>Line 1\nLine 2" in page
    assert f'action="{rurl("approve", revision)}"' in page
    assert f'formaction="{rurl("reject", revision)}"' in page


def test_review_page_escapes_the_diff(as_user, editor, approver, procedure):
    revision = write(procedure, editor, "<script>alert('x')</script>\n")
    page = text(as_user(approver).get(rurl("review", revision)))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_author_sees_the_four_eyes_note_instead_of_buttons(as_user, approver, procedure):
    revision = write(procedure, approver, "Mine")
    page = text(as_user(approver).get(rurl("review", revision)))
    assert "another approver must review it (four-eyes rule)" in page
    assert rurl("approve", revision) not in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("reader", HTTPStatus.FORBIDDEN),
        ("editor", HTTPStatus.OK),  # editors may read work in review
        ("other_editor", HTTPStatus.OK),  # the author
        ("approver", HTTPStatus.OK),
    ],
)
def test_who_may_open_a_review_page(request, as_user, other_editor, procedure, role, status):
    revision = write(procedure, other_editor, "IN-REVIEW-MARKER")
    client = as_user(request.getfixturevalue(role))
    response = client.get(rurl("review", revision))
    assert response.status_code == status
    if role == "reader":
        assert "IN-REVIEW-MARKER" not in text(response)


def test_editors_may_read_a_revision_in_review(as_user, editor, other_editor, procedure):
    revision = write(procedure, other_editor, "IN-REVIEW-MARKER")
    response = as_user(editor).get(rurl("review", revision))
    assert response.status_code == HTTPStatus.OK
    assert "IN-REVIEW-MARKER" in text(response)
    assert "Only approvers can approve or reject." in text(response)


# Approving and rejecting, for every role.


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("reader", False),
        ("editor", False),
        ("other_editor", False),  # the author, and not an approver
        ("approver", True),
        ("superuser", True),
    ],
)
def test_who_may_approve_through_the_site(request, as_user, other_editor, procedure, role, allowed):
    revision = write(procedure, other_editor, "Body")
    response = as_user(request.getfixturevalue(role)).post(
        rurl("approve", revision), {"comment": "Fine"}
    )
    procedure.refresh_from_db()
    if allowed:
        assert response["Location"] == procedure.get_absolute_url()
        assert procedure.current_revision_id == revision.pk
        assert "approved: it is now the text everyone reads" in messages_of(response)[0]
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert "Operations Manual" in text(response)
        assert procedure.current_revision_id is None
        assert reload(revision).status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("reader", False),
        ("editor", False),
        ("other_editor", False),
        ("approver", True),
        ("superuser", True),
    ],
)
def test_who_may_reject_through_the_site(request, as_user, other_editor, procedure, role, allowed):
    revision = write(procedure, other_editor, "Body")
    response = as_user(request.getfixturevalue(role)).post(
        rurl("reject", revision), {"comment": "Add the escalation step"}
    )
    if allowed:
        assert response.status_code == HTTPStatus.FOUND
        revision = reload(revision)
        assert revision.status == Status.REJECTED
        assert revision.review_comment == "Add the escalation step"
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert reload(revision).status == Status.IN_REVIEW


def test_four_eyes_through_the_site(as_user, approver, procedure, settings):
    revision = write(procedure, approver, "Mine")
    client = as_user(approver)
    response = client.post(rurl("approve", revision), {"comment": "Self-approved"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Four-eyes rule" in text(response)
    assert "Self-approved</textarea>" in text(response)  # what was typed is kept
    assert reload(revision).status == Status.IN_REVIEW

    settings.SOP_ALLOW_SELF_APPROVAL = True
    page = text(client.get(rurl("review", revision)))
    assert rurl("approve", revision) in page
    response = client.post(rurl("approve", revision))
    assert response.status_code == HTTPStatus.FOUND
    assert reload(revision).status == Status.APPROVED


def test_reject_needs_a_comment(as_user, editor, approver, procedure):
    revision = write(procedure, editor, "Body")
    response = as_user(approver).post(rurl("reject", revision), {"comment": "  "})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Say why it is rejected" in text(response)
    assert f'action="{rurl("approve", revision)}"' in text(response)  # the review page again
    assert reload(revision).status == Status.IN_REVIEW


@pytest.mark.parametrize("status", ["draft", "rejected", "approved"])
def test_deciding_a_revision_not_in_review_is_409(
    as_user, editor, approver, other_approver, procedure, status
):
    if status == "draft":
        revision = workflow.revision_start_draft(procedure=procedure, user=editor)
    else:
        revision = write(procedure, editor, "Body")
        if status == "rejected":
            workflow.revision_reject(revision=revision, user=other_approver, comment="No")
        else:
            workflow.revision_approve(revision=revision, user=other_approver)
    client = as_user(approver)
    for action, done in (("approve", "approved"), ("reject", "rejected")):
        response = client.post(rurl(action, revision), {"comment": "Typed comment"})
        assert response.status_code == HTTPStatus.CONFLICT
        assert f"it cannot be {done}" in text(response)
    assert reload(revision).status == status


def test_deciding_a_revision_of_another_procedure_is_404(as_user, editor, approver, procedure):
    other = ProcedureFactory()
    revision = write(other, editor, "Body")
    write(procedure, editor, "Other body")  # number 1 here too
    url = reverse("procedures:approve", kwargs={**procedure.url_kwargs(), "number": 2})
    response = as_user(approver).post(url)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert reload(revision).status == Status.IN_REVIEW


# Stale approvals.


def test_stale_approval_is_refused_and_the_author_is_offered_a_merge(
    as_user, editor, other_editor, approver, procedure
):
    publish(procedure, other_editor, approver, "Intro\n\nStep one\n")
    mine = workflow.revision_start_draft(procedure=procedure, user=editor)
    workflow.revision_save_draft(
        revision=mine, user=editor, body="Intro\n\nStep one\n\nStep two\n", summary="Two",
        expected_version=1,
    )  # fmt: skip
    workflow.revision_submit(revision=mine, user=editor)
    publish(procedure, other_editor, approver, "Introduction\n\nStep one\n")

    client = as_user(approver)
    page = text(client.get(rurl("review", mine)))
    assert "This revision cannot be approved: it is out of date." in page
    assert "Its author must bring it up to date first" in page
    assert "disabled" in page.split("Approve and publish")[0].rsplit("<button", 1)[1]
    response = client.post(rurl("approve", mine), {"comment": "Looks good"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "is out of date" in text(response)
    assert "Looks good</textarea>" in text(response)
    assert reload(mine).status == Status.IN_REVIEW

    client = as_user(editor)
    for page_name in ("review", "revision"):
        assert rurl("update", mine) in text(client.get(rurl(page_name, mine)))
    response = client.post(rurl("update", mine))
    assert response["Location"] == rurl("revision_edit", mine)
    merged = reload(mine)
    assert merged.status == Status.DRAFT
    assert merged.body == "Introduction\n\nStep one\n\nStep two\n"
    client.post(rurl("submit", merged), {"summary": "Two"})
    response = as_user(approver).post(rurl("approve", merged))
    assert response.status_code == HTTPStatus.FOUND
    procedure.refresh_from_db()
    assert procedure.current_revision.body == "Introduction\n\nStep one\n\nStep two\n"


# Emails.


def test_emails_link_to_the_pages_to_act_on(
    as_user, editor, approver, procedure, django_capture_on_commit_callbacks
):
    client = as_user(editor)
    client.post(purl("start_draft", procedure))
    draft = procedure.revisions.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            rurl("revision_edit", draft),
            draft_form(draft, body="Text", summary="First", action="submit"),
        )
    assert mail.outbox[-1].to == [approver.email]
    assert f"http://127.0.0.1:8000{rurl('review', draft)}" in mail.outbox[-1].body
    client = as_user(approver)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(rurl("reject", draft), {"comment": "Add the phone number"})
    assert mail.outbox[-1].to == [editor.email]
    assert "Add the phone number" in mail.outbox[-1].body
    assert f"http://127.0.0.1:8000{rurl('revision', draft)}" in mail.outbox[-1].body


def test_a_mail_failure_does_not_undo_an_approval_through_the_site(
    as_user, editor, approver, procedure, settings, django_capture_on_commit_callbacks, caplog
):
    revision = write(procedure, editor, "Body")
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_user(approver).post(rurl("approve", revision))
    assert [cb for cb in callbacks if cb.__qualname__ == "_send.<locals>.send"]  # mail tried
    assert "Could not send 'Approved:" in caplog.text
    assert response.status_code == HTTPStatus.FOUND
    procedure.refresh_from_db()
    assert procedure.current_revision_id == revision.pk


# The whole journey, as two new users would take it.


def test_two_people_take_a_procedure_from_empty_to_approved_with_one_rejection(
    client, manual, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group
    from django.test import Client

    writer = UserFactory(username="wendy", first_name="Wendy", email="wendy@example.test")
    writer.groups.add(Group.objects.get(name="Editors"))
    checker = UserFactory(username="arthur", first_name="Arthur", email="arthur@example.test")
    checker.groups.add(Group.objects.get(name="Approvers"))
    wendy, arthur, reader = Client(), Client(), Client()
    wendy.force_login(writer)
    arthur.force_login(checker)
    reader.force_login(UserFactory(username="rita"))

    # Wendy adds a procedure to Section 3.II and writes it.
    response = wendy.post("/manual/3/ii/new/", {"title": "Printer Jam Triage"}, follow=True)
    procedure = Procedure.objects.get(title="Printer Jam Triage")
    assert "Not yet written." in text(response)
    response = wendy.post(purl("start_draft", procedure), follow=True)
    draft = procedure.revisions.get()
    form = draft_form(draft, body="# Printer jams\n\n1. Open tray 2.\n", summary="First text")
    with django_capture_on_commit_callbacks(execute=True):
        response = wendy.post(rurl("revision_edit", draft), {**form, "action": "submit"})
    assert response.status_code == HTTPStatus.FOUND
    assert mail.outbox[-1].to == ["arthur@example.test"]
    # Readers see that something is in review, never its text.
    page = text(reader.get(procedure.get_absolute_url()))
    assert "A newer revision of this procedure is in review" in page
    assert "Open tray 2" not in page and "Not yet written." in page

    # Arthur finds it in his queue and rejects it.
    queue = text(arthur.get(reverse("procedures:review_queue")))
    assert "Printer Jam Triage" in queue and "First text" in queue
    with django_capture_on_commit_callbacks(execute=True):
        arthur.post(rurl("reject", draft), {"comment": "Say to power-cycle first."})
    assert mail.outbox[-1].to == ["wendy@example.test"]

    # Wendy sees the comment in My work, revises and resubmits.
    my_work = text(wendy.get(reverse("procedures:my_work")))
    assert "Say to power-cycle first." in my_work
    response = wendy.post(rurl("restore", draft))
    second = procedure.revisions.get(status=Status.DRAFT)
    assert response["Location"] == rurl("revision_edit", second)
    edit_page = text(wendy.get(rurl("revision_edit", second)))
    assert "1. Open tray 2.\n</textarea>" in edit_page
    form = draft_form(
        second,
        body="# Printer jams\n\n1. Power-cycle the printer.\n2. Open tray 2.\n",
        summary="Power-cycle first",
        action="submit",
    )
    assert wendy.post(rurl("revision_edit", second), form).status_code == HTTPStatus.FOUND

    # Arthur approves; everyone now reads it.
    review = text(arthur.get(rurl("review", second)))
    assert "<ins>1. Power-cycle the printer.</ins>" in review
    response = arthur.post(rurl("approve", second), {"comment": ""}, follow=True)
    assert "Power-cycle the printer." in text(response)
    page = text(reader.get(procedure.get_absolute_url()))
    assert "Power-cycle the printer." in page and "in review" not in page
    history = text(reader.get(purl("history", procedure)))
    for action in ("Submitted for review", "Rejected", "Restored as new draft", "Approved"):
        assert action in history
    procedure.refresh_from_db()
    assert procedure.current_revision == reload(second)
    assert reload(draft).status == Status.REJECTED


# A resubmission after a rejection is shown against the rejected revision (issue 15).


def resubmission(procedure, editor, approver):
    """Approved text, a rejected revision, and its revision (restored from it) in review."""
    publish(procedure, editor, approver, "Step one\nStep two\n")
    rejected = write(procedure, editor, "Step one\nStep two\nStep three\n")
    rejected = workflow.revision_reject(
        revision=rejected, user=approver, comment="Say who does step three."
    )
    draft = workflow.revision_restore(revision=rejected, user=editor)
    return rejected, draft


def test_a_revision_restored_from_a_rejected_one_revises_it(editor, approver, procedure):
    rejected, draft = resubmission(procedure, editor, approver)
    assert reload(draft).revises_id == rejected.pk
    approved = procedure.revisions.get(status=Status.APPROVED)
    assert workflow.revision_restore(revision=approved, user=approver).revises_id is None


def test_the_edit_page_shows_the_rejection_being_fixed(as_user, editor, approver, procedure):
    approver.first_name, approver.last_name = "Alex", "Approver"
    approver.save()
    rejected, draft = resubmission(procedure, editor, approver)
    page = text(as_user(editor).get(rurl("revision_edit", draft)))
    assert f'This draft revises <a href="{rurl("revision", rejected)}">rejected revision' in page
    assert "Alex Approver rejected it" in page
    assert "Say who does step three." in page


def test_a_resubmission_is_diffed_against_the_rejected_revision_first(
    as_user, editor, approver, other_approver, procedure
):
    rejected, draft = resubmission(procedure, editor, approver)
    workflow.revision_save_and_submit(
        revision=draft, user=editor, body="Step one\nStep two\nStep three (the on-call engineer)\n",
        summary="Who does step three", expected_version=draft.version,
    )  # fmt: skip
    client = as_user(other_approver)
    page = text(client.get(rurl("review", draft)))
    assert f"Changes since rejected revision {rejected.number} (the fix)" in page
    assert "Say who does step three." in page  # the rejection being answered
    assert "1 line added" in page and "1 line removed" in page
    assert 'href="?against=approved"' in page
    whole = text(client.get(rurl("review", draft) + "?against=approved"))
    assert "Changes against the approved text (revision 1)" in whole
    assert f"See only the changes since rejected revision {rejected.number}" in whole
    assert "1 line added" in whole and "0 lines removed" in whole


def test_a_first_submission_is_diffed_against_the_approved_text_as_before(
    as_user, editor, approver, other_approver, procedure
):
    publish(procedure, editor, approver, "Old\n")
    revision = write(procedure, editor, "New\n")
    page = text(as_user(other_approver).get(rurl("review", revision) + "?against=rejected"))
    assert "Changes against the approved text (revision 1)" in page
    assert "since rejected revision" not in page


def test_the_decision_form_comes_before_the_diff_and_errors_sit_next_to_the_field(
    as_user, editor, approver, procedure
):
    revision = write(procedure, editor, "Text\n" * 200)
    client = as_user(approver)
    page = text(client.get(rurl("review", revision)))
    assert page.index('id="decision-heading"') < page.index('id="diff-heading"')
    response = client.post(rurl("reject", revision), {"comment": "  "})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = text(response)
    field = page[page.index('id="id_comment"') - 400 : page.index('id="id_comment"') + 800]
    assert "is-invalid" in field
    assert "Say why it is rejected" in field
