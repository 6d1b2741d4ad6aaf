"""History, revision pages, comparing, "My work", and that no URL shows draft text to
someone who may not see it."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from procedures import workflow
from procedures.models import Revision
from tests.factories import ProcedureFactory
from tests.pages import purl, rurl, text
from tests.test_workflow import publish, reload, write

Status = Revision.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def story(editor, other_editor, approver, other_approver, procedure):
    """A procedure with one revision of every status, each body carrying its own marker."""
    superseded = publish(procedure, editor, approver, "SUPERSEDED-TEXT\n")
    current = publish(procedure, other_editor, approver, "APPROVED-TEXT\n")
    rejected = write(procedure, editor, "REJECTED-TEXT\n", summary="REJECTED-SUMMARY")
    workflow.revision_reject(revision=rejected, user=other_approver, comment="REJECT-COMMENT")
    in_review = write(procedure, other_editor, "IN-REVIEW-TEXT\n", summary="IN-REVIEW-SUMMARY")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    draft = workflow.revision_save_draft(
        revision=draft, user=editor, body="DRAFT-TEXT\n", summary="DRAFT-SUMMARY",
        expected_version=draft.version,
    )  # fmt: skip
    return {
        "superseded": reload(superseded),
        "current": reload(current),
        "rejected": reload(rejected),
        "in_review": reload(in_review),
        "draft": reload(draft),
    }


# History.


def test_history_lists_every_revision_and_the_event_trail(as_user, editor, story, procedure):
    page = text(as_user(editor).get(purl("history", procedure)))
    for number in range(1, 6):
        assert f'id="revision-{number}"' in page
    for status in ("Superseded", "Approved", "Rejected", "In review", "Draft"):
        assert f">{status}</span>" in page
    assert "(current)" in page
    assert "REJECTED-SUMMARY" in page and "Rejected: REJECT-COMMENT" in page
    assert "IN-REVIEW-SUMMARY" in page
    assert "DRAFT-SUMMARY" in page  # the editor's own draft
    assert "approver, <time" in page and "other_approver, <time" in page
    trail = page.split("Event trail")[1]
    for action in (
        "Draft started", "Draft saved", "Submitted for review", "Approved", "Superseded",
        "Rejected",
    ):  # fmt: skip
        assert f"<strong>{action}</strong>" in trail
    assert "“REJECT-COMMENT”" in trail
    assert "(In review → Rejected)" in trail


def test_history_lists_other_peoples_drafts_without_their_text(
    as_user, other_editor, story, procedure
):
    page = text(as_user(other_editor).get(purl("history", procedure)))
    assert 'id="revision-5"' in page and "A draft, not shared by its author" in page
    assert "DRAFT-SUMMARY" not in page and rurl("revision", story["draft"]) not in page


def test_reader_history_hides_unpublished_summaries_and_comments(as_user, reader, story, procedure):
    page = text(as_user(reader).get(purl("history", procedure)))
    for secret in ("REJECTED-SUMMARY", "REJECT-COMMENT", "IN-REVIEW-SUMMARY", "DRAFT-SUMMARY"):
        assert secret not in page
    assert rurl("revision", story["superseded"]) in page
    assert rurl("revision", story["in_review"]) not in page
    assert rurl("restore", story["superseded"]) not in page  # readers restore nothing
    assert "Not published: only editors and approvers see it" in page


def test_restore_from_history(as_user, other_editor, story, procedure):
    client = as_user(other_editor)
    page = text(client.get(purl("history", procedure)))
    assert f'action="{rurl("restore", story["superseded"])}"' in page
    response = client.post(rurl("restore", story["superseded"]))
    draft = procedure.revisions.get(author=other_editor, status=Status.DRAFT)
    assert response["Location"] == rurl("revision_edit", draft)
    assert draft.body == "SUPERSEDED-TEXT\n"
    page = text(client.get(purl("history", procedure)))
    assert "Restored as new draft</strong>, revision 6" in page
    assert "“From revision 1”" in page


@pytest.mark.parametrize("extra", [0, 30])
def test_history_query_count_does_not_grow(
    as_user, editor, other_editor, approver, procedure, extra, django_assert_max_num_queries
):
    for n in range(extra):
        publish(procedure, other_editor, approver, f"Version {n}\n")
    write(procedure, other_editor, "In review")
    client = as_user(editor)
    # + 1 (issue 14): the menu's reading state, built on the user's first page after a change
    # (the acknowledgement rules; no rule, so nothing more), then one cache lookup.
    # + 1 (issue 14, reorganising): the procedure's own trail (archive, rename, move events).
    with django_assert_max_num_queries(9):
        response = client.get(purl("history", procedure))
    assert text(response).count('class="revision-row') == extra + 1


# One revision.


@pytest.mark.parametrize(
    ("name", "reader_sees"),
    [
        ("superseded", True),
        ("current", True),
        ("rejected", False),
        ("in_review", False),
        ("draft", False),
    ],
)
def test_reader_sees_only_published_revisions(as_user, reader, story, name, reader_sees):
    revision = story[name]
    response = as_user(reader).get(rurl("revision", revision))
    marker = revision.body.strip()
    if reader_sees:
        assert response.status_code == HTTPStatus.OK
        assert marker in text(response)
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert marker not in text(response)


def test_revision_page_shows_its_facts_and_actions(as_user, editor, story):
    client = as_user(editor)
    page = text(client.get(rurl("revision", story["rejected"])))
    assert "REJECTED-TEXT" in page
    assert "Rejected by other_approver" in page and "REJECT-COMMENT" in page
    assert f'action="{rurl("restore", story["rejected"])}"' in page and ">Revise<" in page
    page = text(client.get(rurl("revision", story["current"])))
    assert "This is the approved text readers see." in page
    page = text(client.get(rurl("revision", story["draft"])))
    assert f'href="{rurl("revision_edit", story["draft"])}"' in page
    assert f'action="{rurl("submit", story["draft"])}"' in page


def test_unknown_revision_is_404(as_user, reader, procedure):
    response = as_user(reader).get(
        reverse("procedures:revision", kwargs={**procedure.url_kwargs(), "number": 7})
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "has no revision 7" in text(response)


# Comparing.


def test_compare_two_revisions(as_user, reader, story, procedure):
    response = as_user(reader).get(purl("compare", procedure, "?from=1&to=2"))
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert "<del>SUPERSEDED</del>" in page and "<ins>APPROVED</ins>" in page
    assert "revision 1 → revision 2" in page
    history = text(as_user(reader).get(purl("history", procedure)))
    assert 'name="from"' in history and 'name="to"' in history


@pytest.mark.parametrize(
    "query", ["", "?from=1", "?from=x&to=2", "?from=0&to=1", "?from=-1&to=2", "?from=1.5&to=2"]
)
def test_compare_with_bad_numbers_is_400(as_user, reader, story, procedure, query):
    response = as_user(reader).get(purl("compare", procedure, query))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Choose two revisions to compare" in text(response)


def test_compare_with_unknown_revision_is_404(as_user, reader, story, procedure):
    response = as_user(reader).get(purl("compare", procedure, "?from=1&to=99"))
    assert response.status_code == HTTPStatus.NOT_FOUND
    response = as_user(reader).get(purl("compare", procedure, "?from=1&to=99999999999999999999"))
    assert response.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND)


def test_compare_with_a_revision_of_another_procedure_is_404(as_user, editor, story, procedure):
    other = ProcedureFactory()
    workflow.revision_start_draft(procedure=other, user=editor)
    # Revision 6 exists only in the other procedure.
    response = as_user(editor).get(purl("compare", procedure, "?from=1&to=6"))
    assert response.status_code == HTTPStatus.NOT_FOUND


# No draft text by any URL.


def _urls_showing(revision, procedure, current):
    return [
        procedure.get_absolute_url(),
        purl("history", procedure),
        purl("edit", procedure),
        rurl("revision", revision),
        rurl("review", revision),
        rurl("revision_edit", revision),
        purl("compare", procedure, f"?from={current.number}&to={revision.number}"),
        purl("compare", procedure, f"?from={revision.number}&to={current.number}"),
        reverse("procedures:my_work"),
        reverse("procedures:review_queue"),
        "/",
    ]


@pytest.mark.parametrize("role", ["reader", "other_editor", "approver"])
def test_nobody_but_its_author_reaches_a_drafts_text(as_user, request, story, procedure, role):
    client = as_user(request.getfixturevalue(role))
    for url in _urls_showing(story["draft"], procedure, story["current"]):
        response = client.get(url, follow=True)
        assert response.status_code < 500, url
        assert "DRAFT-TEXT" not in text(response), url
        assert "DRAFT-SUMMARY" not in text(response), url


def test_reader_reaches_no_unpublished_text(as_user, reader, story, procedure):
    client = as_user(reader)
    for name in ("in_review", "rejected"):
        for url in _urls_showing(story[name], procedure, story["current"]):
            response = client.get(url, follow=True)
            assert response.status_code < 500, url
            body = text(response)
            assert story[name].body.strip() not in body, url
    assert client.post(reverse("procedures:preview"), {"body": "x"}).status_code == 403


def test_the_author_reaches_their_own_draft(as_user, editor, story, procedure):
    client = as_user(editor)
    assert "DRAFT-TEXT" in text(client.get(rurl("revision", story["draft"])))
    assert "DRAFT-TEXT" in text(client.get(rurl("revision_edit", story["draft"])))


# My work.


def test_my_work_lists_drafts_in_review_and_rejected_with_the_comment(
    as_user, editor, other_editor, approver, story, procedure
):
    elsewhere = ProcedureFactory(title="Elsewhere")
    mine_in_review = write(elsewhere, editor, "Body", summary="Elsewhere summary")
    client = as_user(editor)
    page = text(client.get(reverse("procedures:my_work")))
    drafts, rest = page.split('id="review-heading"')
    in_review, rejected = rest.split('id="rejected-heading"')
    assert rurl("revision_edit", story["draft"]) in drafts
    assert rurl("revision", mine_in_review) in in_review and "Elsewhere summary" in in_review
    assert rurl("revision", story["rejected"]) in rejected
    assert "Rejected by other_approver" in rejected and "“REJECT-COMMENT”" in rejected
    assert "IN-REVIEW-TEXT" not in page  # other_editor's
    # With a draft of that procedure open, the rejected one links to it instead of "Revise".
    assert f'href="{rurl("revision_edit", story["draft"])}"' in rejected
    assert rurl("restore", story["rejected"]) not in rejected
    workflow.revision_discard(revision=story["draft"], user=editor)
    page = text(client.get(reverse("procedures:my_work")))
    rejected = page.split('id="rejected-heading"')[1]
    assert f'action="{rurl("restore", story["rejected"])}"' in rejected
    response = client.post(rurl("restore", story["rejected"]))
    revised = procedure.revisions.get(author=editor, status=Status.DRAFT)
    assert response["Location"] == rurl("revision_edit", revised)
    assert revised.body == "REJECTED-TEXT\n" and revised.summary == "REJECTED-SUMMARY"
    # Once the revised text is submitted, the rejection is dealt with.
    workflow.revision_submit(revision=revised, user=editor)
    page = text(client.get(reverse("procedures:my_work")))
    rejected = page.split('id="rejected-heading"')[1]
    assert "No rejected revisions waiting for you." in rejected


def test_my_work_marks_out_of_date_work(as_user, editor, other_editor, approver, story):
    page = text(as_user(other_editor).get(reverse("procedures:my_work")))
    assert "out of date" not in page
    publish(story["current"].procedure, editor, approver, "Newer\n")
    page = text(as_user(other_editor).get(reverse("procedures:my_work")))
    assert "out of date: bring it up to date" in page


def test_reader_has_an_empty_my_work(as_user, reader, story):
    response = as_user(reader).get(reverse("procedures:my_work"))
    assert response.status_code == HTTPStatus.OK
    assert "No open drafts." in text(response)


@pytest.mark.parametrize("size", [1, 25])
def test_my_work_query_count_does_not_grow(
    as_user, editor, approver, size, django_assert_max_num_queries
):
    for _ in range(size):
        procedure = ProcedureFactory()
        rejected = write(procedure, editor, "Body")
        workflow.revision_reject(revision=rejected, user=approver, comment="Fix")
        write(ProcedureFactory(), editor, "Body")
        workflow.revision_start_draft(procedure=ProcedureFactory(), user=editor)
    client = as_user(editor)
    # + 2 (issue 15): Favourites and Recently viewed; + the reading state's rules and the
    # rejected-work count for the menu (issue 14), each one query that does not grow.
    with django_assert_max_num_queries(7):
        page = text(client.get(reverse("procedures:my_work")))
    assert page.count(">Revise<") == size


@pytest.mark.parametrize("extra", [0, 30])
def test_single_revision_pages_query_count_does_not_grow(
    as_user, editor, other_editor, approver, procedure, extra, django_assert_max_num_queries
):
    for n in range(extra):
        publish(procedure, other_editor, approver, f"Version {n}\n" * (n + 1))
    publish(procedure, other_editor, approver, "Approved\n")
    in_review = write(procedure, other_editor, "In review\n")
    client = as_user(approver)
    for url in [
        rurl("revision", in_review),
        rurl("review", in_review),
        purl("compare", procedure, f"?from=1&to={in_review.number}"),
        purl("edit", procedure),
    ]:
        with django_assert_max_num_queries(9):
            assert client.get(url).status_code == HTTPStatus.OK, url
