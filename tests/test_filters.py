"""The procedure list: filters and sorting in the query string, and nonsense in it."""

from datetime import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from procedures.models import Procedure, Revision
from tests.factories import RevisionFactory, UserFactory, approved_revision

pytestmark = pytest.mark.django_db
URL = reverse("procedures:procedure_list")


def listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == HTTPStatus.OK, response.content.decode()[:2000]
    return [p.title for p in response.context["procedures"]]


def get(slug, volume=None):
    qs = Procedure.objects.filter(slug=slug)
    return qs.get(section__volume__number=volume) if volume else qs.get()


@pytest.fixture
def states(manual):
    """Three procedures in known states; the rest of the real manual is not yet written."""
    alice = UserFactory(username="alice", first_name="Alice", last_name="Owner")
    approved = get("final-friday-training")
    approved.owner = alice
    approved.save()
    revision = approved_revision(approved, body="Text.")
    Revision.objects.filter(pk=revision.pk).update(
        reviewed_at=timezone.make_aware(datetime(2026, 3, 1))
    )
    reviewing = get("the-tech-directory")
    approved_revision(reviewing, body="Older text.")
    RevisionFactory(
        procedure=reviewing, status=Revision.Status.IN_REVIEW, submitted_at=timezone.now()
    )
    unwritten_in_review = get("setting-up-an-msp-office")
    RevisionFactory(
        procedure=unwritten_in_review,
        status=Revision.Status.IN_REVIEW,
        submitted_at=timezone.now(),
    )
    return {"approved": approved, "reviewing": reviewing, "new": unwritten_in_review}


def test_lists_every_procedure_paginated_in_book_order(reader_client, manual):
    response = reader_client.get(URL)
    assert response.status_code == HTTPStatus.OK
    page = response.context["page_obj"]
    assert page.paginator.count == 163 and len(page.object_list) == 50
    expected = list(Procedure.objects.in_book_order().values_list("title", flat=True)[:50])
    assert [p.title for p in page.object_list] == expected
    assert "163 procedures; showing 1\N{EN DASH}50" in response.content.decode()


def test_filter_by_volume_and_section(reader_client, manual):
    volume_3 = listed(reader_client, volume="3")
    assert len(volume_3) == Procedure.objects.filter(section__volume__number=3).count()
    section = listed(reader_client, section="3-ii")
    assert "Final Friday Training" in section
    assert (
        len(section)
        == Procedure.objects.filter(section__volume__number=3, section__numeral="II").count()
    )
    assert listed(reader_client, volume="1", section="3-ii") == []


def test_filter_by_status(reader_client, states):
    approved, reviewing, new = states["approved"], states["reviewing"], states["new"]
    # The Tech Directory (volume 2) comes before Final Friday Training (volume 3).
    assert listed(reader_client, status="approved") == [reviewing.title, approved.title]
    assert listed(reader_client, status="in_review") == [new.title, reviewing.title]
    not_written = listed(reader_client, status="not_written", volume="1")
    assert "Setting Up an MSP Office" in not_written
    assert "Final Friday Training" not in listed(reader_client, status="not_written")


def test_filter_by_owner_and_title(reader_client, states):
    assert listed(reader_client, owner="alice") == ["Final Friday Training"]
    assert listed(reader_client, title="final friday") == ["Final Friday Training"]
    assert listed(reader_client, title="FRIDAY", owner="alice", status="approved") == [
        "Final Friday Training"
    ]


def test_filter_by_approval_dates(reader_client, states):
    assert listed(reader_client, approved_after="2026-02-01", approved_before="2026-03-31") == [
        "Final Friday Training"
    ]
    assert listed(reader_client, approved_after="2026-03-02", approved_before="2026-03-31") == []


def test_sorting(reader_client, states):
    by_title = listed(reader_client, sort="title")
    assert by_title == sorted(by_title, key=str) and len(by_title) == 50
    recent = listed(reader_client, sort="-approved")
    assert recent[:2] == [states["reviewing"].title, states["approved"].title]
    by_owner = listed(reader_client, sort="owner")
    assert by_owner[0] == "Final Friday Training"
    assert listed(reader_client, sort="book")[0] == Procedure.objects.in_book_order()[0].title


def test_filters_are_bookmarkable_links(reader_client, states):
    response = reader_client.get(URL, {"status": "not_written", "sort": "title", "page": "2"})
    body = response.content.decode()
    assert response.context["page_obj"].number == 2
    assert 'href="?status=not_written&amp;sort=title&amp;page=1"' in body
    assert 'value="not_written" selected' in body


@pytest.mark.parametrize(
    "params",
    [
        {"volume": "99"},
        {"volume": "abc"},
        {"section": "9-ix"},
        {"status": "deleted"},
        {"owner": "nobody"},
        {"sort": "password"},
        {"approved_after": "2026-13-45"},
        {"approved_before": "yesterday"},
        {"approved_after": "99999-01-01"},
        {"title": "x" * 201},
    ],
)
def test_nonsense_gives_a_form_error_and_an_empty_list(reader_client, states, params):
    response = reader_client.get(URL, params)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.content.decode()
    assert "Some filters could not be understood" in body
    assert list(response.context["procedures"]) == []
    assert "invalid-feedback" in body or "is-invalid" in body


# Not called "page": that is pytest-playwright's fixture, which would pull this test into the
# browser tests' group and reorder it among them.
@pytest.mark.parametrize("page_number", ["0", "-3", "abc", "99999", "1e9", "9" * 40])
def test_odd_page_numbers_show_a_real_page(reader_client, manual, page_number):
    response = reader_client.get(URL, {"page": page_number})
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["procedures"]) > 0


def test_unknown_parameters_are_ignored(reader_client, manual):
    assert len(listed(reader_client, colour="blue", **{"volume[]": "x"})) == 50


def test_empty_result_says_so(reader_client, manual):
    response = reader_client.get(URL, {"title": "no such words"})
    assert "No procedure matches these filters." in response.content.decode()


def test_list_query_count_does_not_grow(reader_client, states, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = reader_client.get(URL, {"sort": "owner"})
    assert len(response.context["procedures"]) == 50


def test_list_needs_login(client, manual):
    assert client.get(URL).status_code == HTTPStatus.FOUND
