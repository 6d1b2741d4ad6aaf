"""The edit page's [[link]] title suggestions: `/procedures/titles/?q=` (issue 15)."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from procedures.models import Procedure
from tests.factories import ProcedureFactory, SectionFactory, approved_revision

pytestmark = pytest.mark.django_db
URL = reverse("procedures:procedure_titles")


def titles(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == HTTPStatus.OK
    return response.json()["results"]


def test_titles_containing_the_text_starting_ones_first(as_user, editor):
    section = SectionFactory()
    ProcedureFactory(section=section, title="Restore a backup", slug="restore", position=1)
    ProcedureFactory(section=section, title="Backup rotation", slug="rotation", position=2)
    ProcedureFactory(section=section, title="Printer setup", slug="printer", position=3)
    results = titles(as_user(editor), "  BACKUP ")
    assert [r["title"] for r in results] == ["Backup rotation", "Restore a backup"]
    assert results[0] == {
        "title": "Backup rotation",
        "place": f"Vol. {section.volume.number} · I",
        "link": "Backup rotation",
        "written": False,
    }


def test_a_written_procedure_comes_before_a_stub_of_the_same_kind(as_user, editor, approver):
    section = SectionFactory()
    stub = ProcedureFactory(section=section, title="Firewall change A", slug="a", position=1)
    written = ProcedureFactory(section=section, title="Firewall change B", slug="b", position=2)
    approved_revision(written, author=approver, body="Text")
    results = titles(as_user(editor), "firewall")
    assert [r["title"] for r in results] == [written.title, stub.title]
    assert [r["written"] for r in results] == [True, False]


def test_a_shared_title_or_one_with_brackets_is_linked_by_its_path(as_user, manual, editor):
    results = titles(as_user(editor), "intro notes")
    shared = [r for r in results if r["title"] == "Intro Notes"]
    assert len(shared) == 9
    paths = {p.path for p in Procedure.objects.filter(title="Intro Notes")}
    assert {r["link"] for r in shared} == paths
    odd = ProcedureFactory(
        title="Ports [old]|new",
        slug="ports",
        section=Procedure.objects.first().section,
        position=99,
    )
    assert titles(as_user(editor), "ports [old")[0]["link"] == odd.path


def test_at_most_ten_answers_in_two_queries(as_user, manual, editor, django_assert_max_num_queries):
    client = as_user(editor)
    client.get(URL, {"q": "x"})  # session and permission caches warm
    with django_assert_max_num_queries(4):  # session, user, titles, shared titles
        results = titles(client, "e")
    assert len(results) == 10


def test_nothing_typed_is_no_answer_and_too_much_is_a_clear_400(as_user, editor):
    client = as_user(editor)
    assert titles(client, "") == []
    assert titles(client, "   ") == []
    response = client.get(URL, {"q": "x" * 201})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "Type at most 200 characters."


def test_readers_are_refused_and_strangers_sent_to_log_in(client, reader_client):
    ProcedureFactory(title="Secret-ish title", slug="secret")
    assert reader_client.get(URL, {"q": "secret"}).status_code == HTTPStatus.FORBIDDEN
    reader_client.logout()
    response = reader_client.get(URL, {"q": "secret"})
    assert response.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in response["Location"]
