"""Every transition of procedures.workflow, for every role, allowed and forbidden."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from procedures import workflow
from procedures.models import Procedure, Revision, RevisionEvent
from procedures.text.merge import preview_source
from tests.conftest import _member
from tests.factories import UserFactory

Status = Revision.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def roles(reader, editor, approver, superuser):
    return {"reader": reader, "editor": editor, "approver": approver, "superuser": superuser}


def write(procedure, user, body, summary="Wrote it"):
    """Start a draft, save text into it and submit it."""
    draft = workflow.revision_start_draft(procedure=procedure, user=user)
    draft = workflow.revision_save_draft(
        revision=draft, user=user, body=body, summary=summary, expected_version=draft.version
    )
    return workflow.revision_submit(revision=draft, user=user)


def publish(procedure, author, approver, body):
    revision = write(procedure, author, body)
    return workflow.revision_approve(revision=revision, user=approver)


def reload(revision):
    return Revision.objects.select_related("procedure").get(pk=revision.pk)


# Starting and saving drafts.


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("reader", False), ("editor", True), ("approver", True), ("superuser", True)],
)
def test_who_may_start_a_draft(roles, procedure, role, allowed):
    if allowed:
        draft = workflow.revision_start_draft(procedure=procedure, user=roles[role])
        assert draft.status == Status.DRAFT and draft.author == roles[role]
    else:
        with pytest.raises(PermissionDenied):
            workflow.revision_start_draft(procedure=procedure, user=roles[role])
        assert not procedure.revisions.exists()


def test_inactive_editor_cannot_edit(editor, procedure):
    editor.is_active = False
    editor.save()
    with pytest.raises(PermissionDenied):
        workflow.revision_start_draft(procedure=procedure, user=editor)


def test_edit_again_continues_the_same_draft(editor, procedure):
    first = workflow.revision_start_draft(procedure=procedure, user=editor)
    again = workflow.revision_start_draft(procedure=procedure, user=editor)
    assert again.pk == first.pk
    assert procedure.revisions.count() == 1


def test_two_editors_get_their_own_drafts_from_the_approved_text(
    editor, other_editor, approver, procedure
):
    approved = publish(procedure, editor, approver, "Approved text\n")
    mine = workflow.revision_start_draft(procedure=procedure, user=editor)
    theirs = workflow.revision_start_draft(procedure=procedure, user=other_editor)
    assert mine.pk != theirs.pk
    assert mine.body == theirs.body == "Approved text\n"
    assert mine.based_on == theirs.based_on == approved
    assert (mine.number, theirs.number) == (2, 3)


def test_editing_never_touches_the_approved_revision(editor, approver, procedure):
    approved = publish(procedure, editor, approver, "Approved text\n")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    workflow.revision_save_draft(
        revision=draft, user=editor, body="Changed", summary="s", expected_version=draft.version
    )
    procedure.refresh_from_db()
    assert procedure.current_revision == approved
    assert reload(approved).body == "Approved text\n"


def test_only_the_author_can_save_a_draft(editor, other_editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(PermissionDenied):
        workflow.revision_save_draft(
            revision=draft, user=other_editor, body="x", summary="", expected_version=1
        )


def test_stale_save_is_refused_and_keeps_the_saved_text(editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    opened_at = draft.version
    workflow.revision_save_draft(
        revision=draft, user=editor, body="From tab one", summary="", expected_version=opened_at
    )
    with pytest.raises(workflow.StaleEdit) as refused:
        workflow.revision_save_draft(
            revision=draft, user=editor, body="From tab two", summary="", expected_version=opened_at
        )
    assert refused.value.current.body == "From tab one"
    assert reload(draft).body == "From tab one"


def test_body_over_the_limit_is_refused(editor, procedure, settings):
    settings.SOP_MAX_BODY_BYTES = 100
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(ValidationError, match="limit is 100 bytes"):
        workflow.revision_save_draft(
            revision=draft, user=editor, body="x" * 101, summary="", expected_version=1
        )


# Submitting and withdrawing.


def test_submit_needs_a_summary(editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(ValidationError, match="what changed"):
        workflow.revision_submit(revision=draft, user=editor)
    assert reload(draft).status == Status.DRAFT


def test_submit_emails_the_approvers_but_not_the_author(
    editor, approver, superuser, procedure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        write(procedure, editor, "Body")
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([approver.email, superuser.email])
    assert "Review requested: Server Down Procedures" in mail.outbox[0].subject


def test_only_the_author_can_submit(editor, other_editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(PermissionDenied):
        workflow.revision_submit(revision=draft, user=other_editor, summary="mine now")


def test_a_submitted_revision_cannot_be_edited(editor, procedure):
    revision = write(procedure, editor, "Body")
    with pytest.raises(ValidationError, match="in review"):
        workflow.revision_save_draft(
            revision=revision,
            user=editor,
            body="sneaky",
            summary="",
            expected_version=revision.version,
        )
    assert reload(revision).body == "Body"


def test_withdraw_returns_to_draft(editor, procedure):
    revision = write(procedure, editor, "Body")
    workflow.revision_withdraw(revision=revision, user=editor)
    assert reload(revision).status == Status.DRAFT


def test_withdraw_only_by_the_author(editor, approver, procedure):
    revision = write(procedure, editor, "Body")
    with pytest.raises(PermissionDenied):
        workflow.revision_withdraw(revision=revision, user=approver)


def test_withdraw_refused_while_another_draft_is_open(editor, procedure):
    revision = write(procedure, editor, "Body")
    workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(ValidationError, match="already have an open draft"):
        workflow.revision_withdraw(revision=revision, user=editor)


def test_withdrawing_a_draft_is_illegal(editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(ValidationError, match="cannot be withdrawn"):
        workflow.revision_withdraw(revision=draft, user=editor)


# Approving and rejecting.


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("reader", False), ("editor", False), ("approver", True), ("superuser", True)],
)
def test_who_may_approve(roles, other_editor, procedure, role, allowed):
    revision = write(procedure, other_editor, "Body")
    if allowed:
        workflow.revision_approve(revision=revision, user=roles[role])
        procedure.refresh_from_db()
        assert procedure.current_revision == reload(revision)
        assert reload(revision).reviewer == roles[role]
    else:
        with pytest.raises(PermissionDenied):
            workflow.revision_approve(revision=revision, user=roles[role])
        assert reload(revision).status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("reader", False), ("editor", False), ("approver", True), ("superuser", True)],
)
def test_who_may_reject(roles, other_editor, procedure, role, allowed):
    revision = write(procedure, other_editor, "Body")
    if allowed:
        workflow.revision_reject(revision=revision, user=roles[role], comment="Needs steps")
        assert reload(revision).status == Status.REJECTED
    else:
        with pytest.raises(PermissionDenied):
            workflow.revision_reject(revision=revision, user=roles[role], comment="No")
        assert reload(revision).status == Status.IN_REVIEW


def test_approval_supersedes_the_previous_revision(editor, approver, procedure):
    first = publish(procedure, editor, approver, "One")
    second = publish(procedure, editor, approver, "Two")
    procedure.refresh_from_db()
    assert procedure.current_revision == second
    assert reload(first).status == Status.SUPERSEDED
    assert Revision.objects.filter(procedure=procedure, status=Status.APPROVED).count() == 1


def test_four_eyes_refuses_self_approval(approver, procedure):
    revision = write(procedure, approver, "Body")
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        workflow.revision_approve(revision=revision, user=approver)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        workflow.revision_reject(revision=revision, user=approver, comment="meh")
    assert reload(revision).status == Status.IN_REVIEW


def test_self_approval_allowed_by_setting(approver, procedure, settings):
    settings.SOP_ALLOW_SELF_APPROVAL = True
    revision = write(procedure, approver, "Body")
    workflow.revision_approve(revision=revision, user=approver)
    assert reload(revision).status == Status.APPROVED


def test_approving_a_draft_is_illegal(editor, approver, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(ValidationError, match="draft; it cannot be approved"):
        workflow.revision_approve(revision=draft, user=approver)


def test_approving_a_rejected_revision_is_illegal(editor, approver, other_approver, procedure):
    revision = write(procedure, editor, "Body")
    workflow.revision_reject(revision=revision, user=approver, comment="No")
    with pytest.raises(ValidationError, match="rejected; it cannot be approved"):
        workflow.revision_approve(revision=revision, user=other_approver)


def test_approving_twice_is_illegal(editor, approver, other_approver, procedure):
    revision = write(procedure, editor, "Body")
    workflow.revision_approve(revision=revision, user=approver)
    with pytest.raises(ValidationError, match="approved; it cannot be approved"):
        workflow.revision_approve(revision=revision, user=other_approver)


def test_reject_needs_a_comment(editor, approver, procedure):
    revision = write(procedure, editor, "Body")
    with pytest.raises(ValidationError, match="Say why"):
        workflow.revision_reject(revision=revision, user=approver, comment="   ")
    assert reload(revision).status == Status.IN_REVIEW


def test_approve_and_reject_email_the_author(
    editor, approver, procedure, django_capture_on_commit_callbacks
):
    revision = write(procedure, editor, "Body")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.revision_reject(
            revision=revision, user=approver, comment="Add the escalation step"
        )
    assert mail.outbox[-1].to == [editor.email]
    assert "Add the escalation step" in mail.outbox[-1].body
    second = write(procedure, editor, "Body with escalation")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.revision_approve(revision=second, user=approver)
    assert mail.outbox[-1].to == [editor.email]
    assert mail.outbox[-1].subject.startswith("Approved:")


def test_approving_ones_own_revision_sends_oneself_no_mail(
    approver, superuser, procedure, settings, django_capture_on_commit_callbacks
):
    settings.SOP_ALLOW_SELF_APPROVAL = True
    revision = write(procedure, approver, "Body")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.revision_approve(revision=revision, user=approver)
    assert reload(revision).status == Status.APPROVED
    assert mail.outbox == []


def test_approval_tells_the_authors_of_other_open_work_it_is_out_of_date(
    editor, other_editor, approver, procedure, django_capture_on_commit_callbacks
):
    first = write(procedure, editor, "First")
    theirs = write(procedure, other_editor, "Theirs")
    third = _member("third-editor", "Editors")
    draft = workflow.revision_start_draft(procedure=procedure, user=third)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.revision_approve(revision=first, user=approver)
    told = {message.to[0]: message for message in mail.outbox[1:]}
    assert mail.outbox[0].to == [editor.email]  # approved
    assert set(told) == {other_editor.email, third.email}
    notice = told[other_editor.email]
    assert notice.subject == f"Out of date: {procedure.title} (your revision {theirs.number})"
    assert "Bring up to date" in notice.body
    assert reload(theirs).get_absolute_url() in notice.body
    assert f"(your revision {draft.number})" in told[third.email].subject


def test_a_failing_mail_server_does_not_undo_the_approval(
    editor, approver, procedure, settings, django_capture_on_commit_callbacks, caplog
):
    revision = write(procedure, editor, "Body")
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workflow.revision_approve(revision=revision, user=approver)
    assert [cb for cb in callbacks if cb.__qualname__ == "_send.<locals>.send"]  # mail tried...
    assert "Could not send 'Approved: Server Down Procedures" in caplog.text  # ...and failed
    procedure.refresh_from_db()
    assert procedure.current_revision_id == revision.pk
    assert reload(revision).status == Status.APPROVED


# Stale approvals and bringing drafts up to date.


def test_stale_approval_is_refused_and_update_merges(editor, other_editor, approver, procedure):
    publish(procedure, editor, approver, "Intro\n\nStep one\n\nStep two\n")
    mine = workflow.revision_start_draft(procedure=procedure, user=editor)
    theirs = workflow.revision_start_draft(procedure=procedure, user=other_editor)
    workflow.revision_save_draft(
        revision=theirs, user=other_editor, body="Intro\n\nStep one, carefully\n\nStep two\n",
        summary="Care", expected_version=theirs.version,
    )  # fmt: skip
    workflow.revision_submit(revision=theirs, user=other_editor)
    mine = workflow.revision_save_draft(
        revision=mine, user=editor, body="Intro\n\nStep one\n\nStep two\n\nStep three\n",
        summary="Three", expected_version=mine.version,
    )  # fmt: skip
    workflow.revision_submit(revision=mine, user=editor)
    workflow.revision_approve(revision=theirs, user=approver)

    with pytest.raises(workflow.OutOfDate):
        workflow.revision_approve(revision=mine, user=approver)
    assert reload(mine).is_out_of_date

    result = workflow.revision_update(revision=mine, user=editor)
    assert result.conflicts == 0
    merged = reload(mine)
    assert merged.status == Status.DRAFT
    assert merged.body == "Intro\n\nStep one, carefully\n\nStep two\n\nStep three\n"
    assert merged.based_on_id == reload(theirs).pk
    workflow.revision_submit(revision=merged, user=editor)
    workflow.revision_approve(revision=merged, user=approver)
    procedure.refresh_from_db()
    assert procedure.current_revision.body == merged.body


def test_overlapping_changes_are_marked_not_lost(editor, other_editor, approver, procedure):
    publish(procedure, editor, approver, "Call the client.\n")
    mine = workflow.revision_start_draft(procedure=procedure, user=editor)
    theirs = write(procedure, other_editor, "Email the client.\n")
    workflow.revision_approve(revision=theirs, user=approver)
    workflow.revision_save_draft(
        revision=mine, user=editor, body="Phone the client twice.\n", summary="x",
        expected_version=mine.version,
    )  # fmt: skip
    result = workflow.revision_update(revision=mine, user=editor)
    assert result.conflicts == 1
    body = reload(mine).body
    assert "Phone the client twice." in body and "Email the client." in body
    assert "<<<<<<< your draft" in body and ">>>>>>> approved revision" in body
    with pytest.raises(ValidationError, match="marked conflicts"):
        workflow.revision_submit(revision=mine, user=editor)


def test_update_of_an_up_to_date_draft_is_refused(editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(ValidationError, match="already up to date"):
        workflow.revision_update(revision=draft, user=editor)


# Restore and discard.


def test_restore_an_old_revision_as_a_new_draft(editor, approver, procedure):
    first = publish(procedure, editor, approver, "Old way")
    publish(procedure, editor, approver, "New way")
    draft = workflow.revision_restore(revision=first, user=editor)
    assert draft.status == Status.DRAFT and draft.body == "Old way" and draft.number == 3
    assert reload(first).status == Status.SUPERSEDED


def test_restore_refused_while_a_draft_is_open(editor, approver, procedure):
    first = publish(procedure, editor, approver, "Old way")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    workflow.revision_save_draft(
        revision=draft, user=editor, body="Unsaved thoughts", summary="", expected_version=1
    )
    with pytest.raises(ValidationError, match="already have an open draft"):
        workflow.revision_restore(revision=first, user=editor)
    assert reload(draft).body == "Unsaved thoughts"


def test_reader_cannot_restore(editor, approver, reader, procedure):
    first = publish(procedure, editor, approver, "Old way")
    with pytest.raises(PermissionDenied):
        workflow.revision_restore(revision=first, user=reader)


def test_revise_a_rejected_revision(editor, approver, procedure):
    rejected = write(procedure, editor, "Draft one", summary="First go")
    workflow.revision_reject(revision=rejected, user=approver, comment="Too short")
    draft = workflow.revision_restore(revision=rejected, user=editor)
    assert draft.body == "Draft one" and draft.summary == "First go"
    assert reload(rejected).status == Status.REJECTED


def test_discard_own_draft_keeps_the_trail(editor, other_editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(PermissionDenied):
        workflow.revision_discard(revision=draft, user=other_editor)
    workflow.revision_discard(revision=draft, user=editor)
    assert not procedure.revisions.exists()
    actions = list(procedure.events.order_by("pk").values_list("action", "revision_number"))
    assert actions == [("created", 1), ("discarded", 1)]


# The audit trail.


def test_every_transition_records_an_event(editor, approver, procedure):
    revision = write(procedure, editor, "Body")
    workflow.revision_reject(revision=revision, user=approver, comment="Fix it")
    events = list(
        RevisionEvent.objects.filter(procedure=procedure)
        .order_by("pk")
        .values_list("actor__username", "action", "from_status", "to_status", "comment")
    )
    assert events == [
        ("editor", "created", "", "draft", ""),
        ("editor", "saved", "draft", "draft", ""),
        ("editor", "submitted", "draft", "in_review", "Wrote it"),
        ("approver", "rejected", "in_review", "rejected", "Fix it"),
    ]


def test_allowed_actions_follow_the_rules(editor, approver, reader, procedure):
    revision = write(procedure, editor, "Body")
    revision = reload(revision)
    assert workflow.allowed_actions(revision, editor) == {"withdraw", "restore"}
    assert workflow.allowed_actions(revision, approver) == {"approve", "reject", "restore"}
    assert workflow.allowed_actions(revision, reader) == set()


def test_procedure_create_gives_a_unique_slug_at_the_end(editor, reader, procedure):
    section = procedure.section
    # Another title (the same title twice in a section is refused: test_reorganising), the
    # same slug.
    created = workflow.procedure_create(
        section=section, title="Server-Down Procedures", user=editor
    )
    assert created.slug == "server-down-procedures-2"
    assert created.position == procedure.position + 1
    with pytest.raises(PermissionDenied):
        workflow.procedure_create(section=section, title="Nope", user=reader)
    with pytest.raises(ValidationError):
        workflow.procedure_create(section=section, title="  ", user=editor)
    assert Procedure.objects.filter(section=section).count() == 2


def test_deleted_user_has_no_rights(procedure):
    ghost = UserFactory(is_active=False, is_superuser=True)
    with pytest.raises(PermissionDenied):
        workflow.revision_start_draft(procedure=procedure, user=ghost)


def test_a_discarded_drafts_number_is_not_given_again(editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    workflow.revision_discard(revision=draft, user=editor)
    again = workflow.revision_start_draft(procedure=procedure, user=editor)
    assert again.number == 2  # the trail's "revision 1 discarded" keeps meaning one thing


def test_save_and_submit_is_all_or_nothing(editor, procedure):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    with pytest.raises(ValidationError, match="what changed"):
        workflow.revision_save_and_submit(
            revision=draft, user=editor, body="New text", summary="", expected_version=1
        )
    assert reload(draft).body == "" and reload(draft).status == Status.DRAFT
    workflow.revision_save_and_submit(
        revision=draft, user=editor, body="New text", summary="Ready", expected_version=1
    )
    assert reload(draft).status == Status.IN_REVIEW and reload(draft).body == "New text"


# How a preview shows marked conflicts (the saved text keeps its markers).


def test_preview_source_boxes_each_side_of_a_conflict():
    body = "Intro\n<<<<<<< your draft\nMine\n=======\n>>>>>>> approved revision 3\nEnd\n"
    source = preview_source(body)
    assert '!!! danger "Conflict: your draft"\n    Mine\n' in source
    assert '!!! danger "Conflict: approved revision 3"\n    *(nothing on this side)*' in source
    assert source.startswith("Intro\n") and source.endswith("End\n")
    assert "=======" not in source


@pytest.mark.parametrize(
    "body",
    [
        "No markers at all\n",
        "<<<<<<< your draft\nMine\n=======\nTheirs, the end marker deleted\n",
        "<<<<<<< your draft\nMine, the middle marker deleted\n>>>>>>> approved revision 3\n",
    ],
)
def test_preview_source_leaves_incomplete_markers_as_typed(body):
    assert preview_source(body) == body


def test_mail_names_people_by_full_name_and_links_to_the_configured_site(
    editor, approver, procedure, settings, django_capture_on_commit_callbacks
):
    settings.SOP_SITE_URL = "https://sop.example.test:8443/"
    editor.first_name, editor.last_name = "Erin", "Editor"
    editor.save()
    approver.first_name, approver.last_name = "Alex", "Approver"
    approver.save()
    with django_capture_on_commit_callbacks(execute=True):
        revision = write(procedure, editor, "Body")
    review = mail.outbox[-1].body
    assert review.startswith("Erin Editor submitted revision")
    assert "https://sop.example.test:8443/manual/" in review
    with django_capture_on_commit_callbacks(execute=True):
        workflow.revision_reject(revision=revision, user=approver, comment="Add a step")
    assert mail.outbox[-1].body.startswith("Alex Approver rejected revision")
    assert "https://sop.example.test:8443/manual/" in mail.outbox[-1].body


def test_mail_names_someone_without_a_full_name_by_username(
    editor, approver, procedure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        write(procedure, editor, "Body")
    assert mail.outbox[-1].body.startswith("editor submitted revision")
