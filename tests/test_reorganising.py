"""Retiring and reorganising: archive and restore, rename, move, reorder, old addresses,
[[links]] kept working, and titles unique in a section. The same tests on whichever database
runs the suite (run on SQLite and PostgreSQL)."""

from http import HTTPStatus

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from compliance.selectors import due_for_review
from procedures import linking, search, workflow
from procedures.models import Procedure, ProcedureEvent, ProcedureFormerPlace, Revision
from tests.compliance.helpers import approved_on, days_ago
from tests.factories import ProcedureFactory, SectionFactory, VolumeFactory, approved_revision
from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("approver", "boss", first_name="Bea", last_name="Boss")


@pytest.fixture
def place():
    """Volume 3, sections I and II, with three procedures in I."""
    volume = VolumeFactory(number=3, title="Operations")
    first = SectionFactory(volume=volume, numeral="I", title="Servers", position=1)
    second = SectionFactory(volume=volume, numeral="II", title="Backups", position=2)
    procedures = [
        ProcedureFactory(section=first, title=title, slug=slug, position=n)
        for n, (title, slug) in enumerate(
            [("Server Down", "server-down"), ("Patch Night", "patch-night"),
             ("Disk Full", "disk-full")], 1)
    ]  # fmt: skip
    for procedure in procedures:
        approved_revision(procedure, body=f"# {procedure.title}\n\nSteps for {procedure.title}.")
    return {"volume": volume, "first": first, "second": second, "procedures": procedures}


def approve_text(procedure, body):
    """An approved revision with its links recorded, as approval records them."""
    revision = approved_revision(procedure, body=body)
    linking.update_links(procedure)
    return revision


def page(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode()


def archive(procedure, user, reason="Replaced by the new monitoring runbook"):
    return workflow.procedure_archive(procedure=procedure, user=user, reason=reason)


# Archive and restore.


def test_archived_procedure_leaves_contents_lists_and_search_and_comes_back(place, boss):
    reader = client_as(make_user("reader"))
    server_down = place["procedures"][0]
    archive(server_down, boss)
    for url in (reverse("procedures:contents"), reverse("procedures:procedure_list"),
                place["first"].get_absolute_url()):  # fmt: skip
        assert "Server Down" not in page(reader, url)[1], url
    assert "Patch Night" in page(reader, reverse("procedures:contents"))[1]
    assert [h.procedure.title for h in search.search("server").hits] == []
    assert "Server Down" not in page(reader, reverse("procedures:search") + "?q=server")[1]

    workflow.procedure_unarchive(procedure=server_down, user=boss)
    for url in (reverse("procedures:contents"), reverse("procedures:procedure_list"),
                place["first"].get_absolute_url()):  # fmt: skip
        assert "Server Down" in page(reader, url)[1], url
    assert [h.procedure.title for h in search.search("server").hits] == ["Server Down"]


def test_rebuilding_the_index_leaves_archived_procedures_out(place, boss):
    archive(place["procedures"][0], boss)
    search.rebuild_index()
    assert search.search("server").total == 0
    assert search.search("patch").total == 1


def test_archived_page_opens_by_url_with_banner_and_history_kept(place, boss):
    server_down = place["procedures"][0]
    archive(server_down, boss, reason="Obsolete since <b>2026</b>")
    status, html = page(client_as(make_user("reader")), server_down.get_absolute_url())
    assert status == HTTPStatus.OK
    assert "archived-banner" in html and "Archived." in html
    assert "by Bea Boss" in html
    assert "Obsolete since &lt;b&gt;2026&lt;/b&gt;" in html  # the reason, escaped
    assert "Steps for Server Down." in html  # the approved text is still there
    status, history = page(
        client_as(make_user("reader")),
        reverse("procedures:history", kwargs=server_down.url_kwargs()),
    )
    assert status == HTTPStatus.OK and "Archived" in history and "Obsolete since" in history
    assert Revision.objects.filter(procedure=server_down).count() == 1
    assert list(ProcedureEvent.objects.values_list("action", flat=True)) == ["archived"]


def test_links_to_an_archived_procedure_say_archived_until_restored(place, boss):
    server_down, patch_night = place["procedures"][:2]
    approve_text(patch_night, "See [[Server Down]] and [[3/i/server-down]].")
    archive(server_down, boss)
    html = page(client_as(make_user("reader")), patch_night.get_absolute_url())[1]
    assert html.count("wikilink-archived") == 2
    assert "Server Down (archived)" in html
    assert f'href="{server_down.get_absolute_url()}"' in html
    workflow.procedure_unarchive(procedure=server_down, user=boss)
    html = page(client_as(make_user("reader")), patch_night.get_absolute_url())[1]
    assert "wikilink-archived" not in html and "(archived)" not in html


def test_archived_procedure_is_not_due_for_review_and_starts_no_run(boss):
    old = approved_on(days_ago(400), title="Backups")
    Revision.objects.filter(pk=old.current_revision_id).update(body_html=linking.render(
        "- [ ] Check the tape").html)  # fmt: skip
    assert "start-run" in page(client_as(make_user("reader")), old.get_absolute_url())[1]
    assert [row.procedure for row in due_for_review(Procedure.objects.all())] == [old]
    archive(old, boss)
    assert due_for_review(Procedure.objects.all()) == []
    html = page(client_as(make_user("reader")), old.get_absolute_url())[1]
    assert "start-run" not in html


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_only_approvers_archive_restore_and_reorganise(place, role):
    server_down = place["procedures"][0]
    client = client_as(make_user(role))
    kwargs = server_down.url_kwargs()
    urls = [reverse("procedures:reorganise", kwargs=kwargs),
            reverse("procedures:section_order", kwargs={"volume": 3, "section": "I"}),
            reverse("procedures:volume_order", kwargs={"volume": 3})]  # fmt: skip
    for url in urls:
        assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    response = client.post(reverse("procedures:archive", kwargs=kwargs), {"reason": "old"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Procedure.objects.archived().count() == 0
    with pytest.raises(workflow.NotAllowed):
        archive(server_down, make_user(role, "again"))


def test_archive_through_the_app_needs_a_reason_and_restores(place, boss):
    server_down = place["procedures"][0]
    client = client_as(boss)
    url = reverse("procedures:archive", kwargs=server_down.url_kwargs())
    response = client.post(url, {"reason": "   "})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Why is it archived" in response.content.decode()
    response = client.post(url, {"reason": "Replaced"}, follow=True)
    assert "archived: it has left the contents" in response.content.decode()
    assert "archived-banner" in response.content.decode()
    assert "Restore from the archive" in response.content.decode()
    response = client.post(url, {"reason": "Again"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "already archived" in response.content.decode()
    response = client.post(url, {"restore": "1"}, follow=True)
    assert "restored: it is back" in response.content.decode()
    server_down.refresh_from_db()
    assert not server_down.is_archived
    actions = list(ProcedureEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["archived", "unarchived"]
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_an_archived_procedure_is_not_edited(place, boss):
    archive(place["procedures"][0], boss)
    with pytest.raises(workflow.WorkflowError, match="archived"):
        workflow.revision_start_draft(procedure=place["procedures"][0], user=boss)


# Rename and move.


def test_rename_keeps_history_and_redirects_the_old_address(place, boss):
    server_down = place["procedures"][0]
    old_url = server_down.get_absolute_url()
    client = client_as(boss)
    response = client.post(
        reverse("procedures:reorganise", kwargs=server_down.url_kwargs()),
        {"title": "Server  Outage", "section": place["first"].pk},
    )
    assert response.status_code == HTTPStatus.FOUND
    renamed = Procedure.objects.get(pk=server_down.pk)  # same primary key
    assert (renamed.title, renamed.slug) == ("Server Outage", "server-outage")
    assert renamed.revisions.count() == 1
    response = client_as(make_user("reader")).get(old_url)
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == renamed.get_absolute_url()
    assert "from “Server Down” to “Server Outage”" in page(
        client, reverse("procedures:history", kwargs=renamed.url_kwargs()))[1]  # fmt: skip


def test_two_renames_both_redirect_straight_and_renaming_back_makes_no_loop(place, boss):
    server_down = place["procedures"][0]
    first_url = server_down.get_absolute_url()
    rename = workflow.procedure_rename_move
    rename(procedure=server_down, user=boss, title="Server Outage", section=place["first"])
    second_url = Procedure.objects.get(pk=server_down.pk).get_absolute_url()
    now = rename(procedure=server_down, user=boss, title="Outage", section=place["first"])
    reader = client_as(make_user("reader"))
    for url in (first_url, second_url):
        response = reader.get(url)
        assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
        assert response["Location"] == now.get_absolute_url()
    assert reader.get(now.get_absolute_url()).status_code == HTTPStatus.OK
    back = rename(procedure=server_down, user=boss, title="Server Down", section=place["first"])
    assert back.get_absolute_url() == first_url
    assert reader.get(first_url).status_code == HTTPStatus.OK  # live again, no redirect
    for url in (second_url, now.get_absolute_url()):
        response = reader.get(url)
        assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
        assert response["Location"] == first_url
    assert not ProcedureFormerPlace.objects.filter(path=back.path).exists()


def test_move_to_another_section_goes_to_its_end_and_redirects(place, boss):
    disk_full = place["procedures"][2]
    ProcedureFactory(section=place["second"], title="Tape Rotation", slug="tape", position=4)
    old_url = disk_full.get_absolute_url()
    moved = workflow.procedure_rename_move(
        procedure=disk_full, user=boss, title="Disk Full", section=place["second"]
    )
    assert moved.get_absolute_url() == "/manual/3/ii/disk-full/"
    assert moved.position == 5
    response = client_as(make_user("reader")).get(old_url)
    assert response["Location"] == "/manual/3/ii/disk-full/"
    html = page(client_as(make_user("reader")), place["second"].get_absolute_url())[1]
    assert html.index("Tape Rotation") < html.index("Disk Full")
    assert ProcedureEvent.objects.get(action="moved").detail.startswith("from 3.I Servers")


def test_links_by_old_title_and_old_path_keep_working(place, boss):
    server_down, patch_night = place["procedures"][:2]
    approve_text(patch_night, "See [[Server Down]] or [[3/i/server-down]].")
    workflow.procedure_rename_move(procedure=server_down, user=boss, title="Server Outage",
                                   section=place["second"])  # fmt: skip
    html = page(client_as(make_user("reader")), patch_night.get_absolute_url())[1]
    assert html.count('href="/manual/3/ii/server-outage/"') == 2
    assert "wikilink-broken" not in html
    # A new procedure taking the old title: the link now means the one in use by that name.
    workflow.procedure_create(section=place["first"], title="Server Down", user=boss)
    html = page(client_as(make_user("reader")), patch_night.get_absolute_url())[1]
    assert 'href="/manual/3/i/server-down/"' in html


def test_moving_into_a_section_that_does_not_exist_is_refused(place, boss):
    server_down = place["procedures"][0]
    url = reverse("procedures:reorganise", kwargs=server_down.url_kwargs())
    for value in ("999999", "-1", "abc", "' OR 1=1"):
        response = client_as(boss).post(url, {"title": "Kept Title", "section": value})
        assert response.status_code == HTTPStatus.BAD_REQUEST, value
        html = response.content.decode()
        assert "That section does not exist" in html
        assert 'value="Kept Title"' in html  # what was typed is kept
    assert Procedure.objects.get(pk=server_down.pk).title == "Server Down"


def test_renaming_to_nothing_new_or_empty_is_refused(place, boss):
    server_down = place["procedures"][0]
    url = reverse("procedures:reorganise", kwargs=server_down.url_kwargs())
    response = client_as(boss).post(url, {"title": "Server Down", "section": place["first"].pk})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Nothing to change" in response.content.decode()
    response = client_as(boss).post(url, {"title": "   ", "section": place["first"].pk})
    assert response.status_code == HTTPStatus.BAD_REQUEST


# Reorder.


def test_reorder_procedures_changes_the_contents(place, boss):
    disk_full = place["procedures"][2]
    client = client_as(boss)
    url = reverse("procedures:section_order", kwargs={"volume": 3, "section": "I"})
    status, html = page(client, url)
    assert status == HTTPStatus.OK and html.count('class="btn btn-outline-secondary') == 6
    response = client.post(url, {"item": disk_full.pk, "direction": "up"})
    assert response.status_code == HTTPStatus.FOUND
    contents = page(client_as(make_user("reader")), reverse("procedures:contents"))[1]
    assert contents.index("Server Down") < contents.index("Disk Full") < contents.index("Patch")
    client.post(url, {"item": disk_full.pk, "direction": "up"})
    contents = page(client_as(make_user("reader")), reverse("procedures:contents"))[1]
    assert contents.index("Disk Full") < contents.index("Server Down") < contents.index("Patch")
    assert ProcedureEvent.objects.filter(action="reordered").count() == 2


def test_reorder_refuses_foreign_ids_bad_directions_and_the_edge(place, boss):
    server_down = place["procedures"][0]
    stranger = ProcedureFactory(section=place["second"], title="Elsewhere", slug="elsewhere")
    client = client_as(boss)
    url = reverse("procedures:section_order", kwargs={"volume": 3, "section": "I"})
    for data in ({"item": stranger.pk, "direction": "up"}, {"item": "x", "direction": "up"},
                 {"item": server_down.pk, "direction": "sideways"}, {"item": "99999999999"},
                 {}):  # fmt: skip
        response = client.post(url, data)
        assert response.status_code == HTTPStatus.BAD_REQUEST, data
        assert "nothing moved" in response.content.decode()
    response = client.post(url, {"item": server_down.pk, "direction": "up"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "already first" in response.content.decode()
    missing = reverse("procedures:section_order", kwargs={"volume": 3, "section": "XL"})
    assert client.get(missing).status_code == HTTPStatus.NOT_FOUND


def test_reorder_sections_within_a_volume(place, boss):
    client = client_as(boss)
    url = reverse("procedures:volume_order", kwargs={"volume": 3})
    assert "Servers" in page(client, url)[1]
    response = client.post(url, {"item": place["second"].pk, "direction": "up"})
    assert response.status_code == HTTPStatus.FOUND
    contents = page(client_as(make_user("reader")), reverse("procedures:contents"))[1]
    assert contents.index("Backups") < contents.index("Servers")
    other_volume = SectionFactory(volume=VolumeFactory(number=4), numeral="I", position=1)
    response = client.post(url, {"item": other_volume.pk, "direction": "up"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert client.get(reverse("procedures:volume_order", kwargs={"volume": 99})).status_code == 404


# Titles unique in a section.


@pytest.mark.parametrize(
    "title", ["Server Down", "server down", "  SERVER   down ", "Server\tDown"]
)
def test_same_title_in_the_same_section_is_refused_with_the_text_kept(place, boss, title):
    url = reverse("procedures:procedure_create", kwargs={"volume": 3, "section": "I"})
    response = client_as(boss).post(url, {"title": title})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "Section I already has a procedure called “Server Down”" in html
    assert f'value="{title}"' in html
    assert place["first"].procedures.count() == 3


def test_renaming_to_a_title_the_section_has_is_refused(place, boss):
    url = reverse("procedures:reorganise", kwargs=place["procedures"][1].url_kwargs())
    response = client_as(boss).post(url, {"title": "disk  FULL", "section": place["first"].pk})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "already has a procedure called “Disk Full”" in response.content.decode()
    moved = client_as(boss).post(url, {"title": "Disk Full", "section": place["second"].pk})
    assert moved.status_code == HTTPStatus.FOUND  # another section: no clash


def test_the_database_refuses_a_title_twice_in_a_section_in_any_case(place):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureFactory(section=place["first"], title="server down", slug="other")
    ProcedureFactory(section=place["second"], title="server down", slug="other")


def test_title_used_elsewhere_warns_with_the_links_it_makes_ambiguous(place, boss):
    patch_night = place["procedures"][1]
    ProcedureFactory(section=place["second"], title="Tape Rotation", slug="tape-rotation")
    approve_text(patch_night, "Before patching see [[Tape Rotation]].")
    third = SectionFactory(volume=place["volume"], numeral="III", title="Network", position=3)
    url = reverse("procedures:procedure_create", kwargs={"volume": 3, "section": "III"})
    client = client_as(boss)
    response = client.post(url, {"title": "Tape rotation"})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Links would become ambiguous" in html
    assert f'href="{patch_night.get_absolute_url()}">Patch Night</a>' in html
    assert not third.procedures.exists()
    response = client.post(url, {"title": "Tape rotation", "confirm": "on"})
    assert response.status_code == HTTPStatus.FOUND
    assert third.procedures.get().title == "Tape rotation"


def test_no_warning_when_the_linking_section_keeps_its_own(place, boss):
    patch_night = place["procedures"][1]
    approve_text(patch_night, "See [[Disk Full]].")
    created = workflow.procedure_create(section=place["second"], title="Disk Full", user=boss)
    assert created.section == place["second"]  # same-section preference: no ambiguity
    html = page(client_as(make_user("reader")), patch_night.get_absolute_url())[1]
    assert 'href="/manual/3/i/disk-full/"' in html


def test_admin_refuses_a_duplicate_title_in_the_section(place):
    admin = make_user("superuser", "root")
    client = client_as(admin)
    data = {"section": place["first"].pk, "title": "PATCH  night", "slug": "patch-2",
            "position": 9, "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0}  # fmt: skip
    response = client.post(reverse("admin:procedures_procedure_add"), data)
    assert response.status_code == HTTPStatus.OK
    assert "already has a procedure called “Patch Night”" in response.content.decode()
    assert place["first"].procedures.count() == 3


def test_admin_rename_keeps_the_old_address(place):
    admin = make_user("superuser", "root")
    server_down = place["procedures"][0]
    old_url = server_down.get_absolute_url()
    data = {"section": place["first"].pk, "title": "Server Gone", "slug": "server-gone",
            "position": 1, "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0}  # fmt: skip
    response = client_as(admin).post(
        reverse("admin:procedures_procedure_change", args=[server_down.pk]), data
    )
    assert response.status_code == HTTPStatus.FOUND
    response = client_as(make_user("reader")).get(old_url)
    assert response["Location"] == "/manual/3/i/server-gone/"


def test_the_archived_page_offers_no_edit_but_restore_to_approvers(place, boss):
    server_down = place["procedures"][0]
    archive(server_down, boss)
    html = page(client_as(boss), server_down.get_absolute_url())[1]
    assert "Restore from the archive" in html
    assert ">Edit</button>" not in html
    html = page(client_as(make_user("reader")), server_down.get_absolute_url())[1]
    assert "Restore from the archive" not in html and "archived-banner" in html
