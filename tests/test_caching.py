"""The cached table of contents and page fragments change as soon as what they show changes."""

import pytest
from django.urls import reverse

from procedures import caching
from procedures.caching.toc import book
from procedures.models import Procedure, Revision, Section, Volume
from tests.factories import RevisionFactory, UserFactory, approved_revision

pytestmark = pytest.mark.django_db

FRIDAY = "/manual/3/ii/final-friday-training/"


@pytest.fixture
def friday(manual):
    return Procedure.objects.with_place().get(slug="final-friday-training")


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def visit_everything(client, procedure):
    """Fill every cache: contents, volume, section and procedure pages."""
    for url in ("/", "/manual/3/", "/manual/3/ii/", procedure.get_absolute_url()):
        page(client, url)


def test_approval_reaches_every_page_at_once(reader_client, friday):
    visit_everything(reader_client, friday)
    approved_revision(friday, body="The agenda for **Friday**.")
    for url in ("/", "/manual/3/", "/manual/3/ii/"):
        listing = page(reader_client, url)
        assert f'href="{FRIDAY}">Final Friday Training</a>\n      \n' in listing, url
    assert "The agenda for <strong>Friday</strong>." in page(reader_client, FRIDAY)


def test_a_new_approved_revision_replaces_the_old_text(reader_client, friday):
    approved_revision(friday, body="First text.")
    assert "First text." in page(reader_client, FRIDAY)
    approved_revision(friday, body="Second text.")
    body = page(reader_client, FRIDAY)
    assert "Second text." in body and "First text." not in body


def test_renames_reach_lists_breadcrumbs_and_neighbours(reader_client, friday):
    visit_everything(reader_client, friday)
    previous = Procedure.objects.before(friday).last()
    page(reader_client, previous.get_absolute_url())
    friday.title = "Last Friday Training"
    friday.save()
    section = Section.objects.get(volume__number=3, numeral="II")
    section.title = "Renamed section"
    section.save()
    volume = Volume.objects.get(number=3)
    volume.title = "Renamed volume"
    volume.save()
    contents = page(reader_client, "/")
    assert "Last Friday Training" in contents and "Final Friday Training" not in contents
    assert "Renamed section" in contents and "Renamed volume" in contents
    assert "Last Friday Training &rarr;" in page(reader_client, previous.get_absolute_url())
    own = page(reader_client, FRIDAY)
    assert "<h1>Last Friday Training</h1>" in own and "Renamed section" in own


def test_a_changed_slug_moves_the_page(reader_client, friday):
    page(reader_client, FRIDAY)
    friday.slug = "friday-training"
    friday.save()
    assert reader_client.get(FRIDAY).status_code == 404
    assert "Final Friday Training" in page(reader_client, "/manual/3/ii/friday-training/")


def test_removed_procedures_disappear(reader_client, friday):
    visit_everything(reader_client, friday)
    friday.delete()
    assert reader_client.get(FRIDAY).status_code == 404
    assert "Final Friday Training" not in page(reader_client, "/manual/3/ii/")


def test_a_renamed_approver_or_owner_is_shown_by_the_new_name(reader_client, friday):
    approver = UserFactory(first_name="Ada", last_name="Approver")
    friday.owner = UserFactory(first_name="Owen", last_name="Owner")
    friday.save()
    approved_revision(friday, reviewer=approver)
    assert "approved by Ada Approver" in page(reader_client, FRIDAY)
    approver.last_name = "Lovelace"
    approver.save()
    friday.owner.first_name = "Olga"
    friday.owner.save()
    body = page(reader_client, FRIDAY)
    assert "approved by Ada Lovelace" in body and "owner Olga Owner" in body


def test_drafts_and_logins_leave_the_cache_alone(client, friday):
    reader = UserFactory(username="someone", password="a-long-enough-password")
    version = caching.current(caching.MANUAL)
    RevisionFactory(procedure=friday, status=Revision.Status.DRAFT, body="Draft")
    client.post(reverse("login"), {"username": "someone", "password": "a-long-enough-password"})
    assert client.session["_auth_user_id"] == str(reader.pk)
    assert caching.current(caching.MANUAL) == version


def test_the_version_changes_again_after_commit(friday, django_capture_on_commit_callbacks):
    """A reader who read the old rows between the save and the commit must not keep them:
    the version is replaced once more when the transaction commits."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        friday.title = "Renamed"
        friday.save()
        during = caching.current(caching.MANUAL)
    assert callbacks and caching.current(caching.MANUAL) != during


def test_each_process_rebuilds_when_another_changes_the_version(friday, django_assert_num_queries):
    first = book()
    with django_assert_num_queries(0):
        assert book() is first
    caching.invalidate(caching.MANUAL)  # as another worker process would, through the shared cache
    with django_assert_num_queries(3):
        second = book()
    assert second is not first and second.version != first.version


def test_work_in_review_reaches_the_procedure_page_at_once(
    reader_client, friday, other_editor, approver
):
    from procedures import workflow

    notice = "A newer revision of this procedure is in review"

    def submitted(body):
        draft = workflow.revision_start_draft(procedure=friday, user=other_editor)
        draft = workflow.revision_save_draft(
            revision=draft, user=other_editor, body=body, summary="s", expected_version=1
        )
        return workflow.revision_submit(revision=draft, user=other_editor)

    assert notice not in page(reader_client, FRIDAY)
    revision = submitted("First text")
    assert notice in page(reader_client, FRIDAY)
    workflow.revision_approve(revision=revision, user=approver)
    after = page(reader_client, FRIDAY)
    assert notice not in after and "First text" in after
    revision = submitted("Second text")
    assert notice in page(reader_client, FRIDAY)
    workflow.revision_withdraw(revision=revision, user=other_editor)
    assert notice not in page(reader_client, FRIDAY)


def test_saving_a_draft_leaves_work_in_review_alone(friday, editor):
    from procedures import workflow

    draft = workflow.revision_start_draft(procedure=friday, user=editor)
    version = caching.current(caching.WORK)
    workflow.revision_save_draft(
        revision=draft, user=editor, body="Text", summary="s", expected_version=1
    )
    assert caching.current(caching.WORK) == version
    workflow.revision_submit(revision=Revision.objects.get(pk=draft.pk), user=editor)
    assert caching.current(caching.WORK) != version
