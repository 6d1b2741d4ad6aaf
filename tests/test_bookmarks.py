"""Favourites and recently viewed procedures (issue 15): the star on the procedure page, the
visit beacon, the lists on My work, and the cached page staying one query."""

from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures import workflow
from procedures.models import Favourite, RecentView
from tests.factories import ProcedureFactory, SectionFactory, UserFactory, approved_revision
from tests.pages import messages_of, purl, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def written():
    procedure = ProcedureFactory(title="Rotate the backup tapes", slug="rotate-tapes")
    approved_revision(procedure)
    return procedure


def star(client, procedure, starred="1"):
    return client.post(purl("favourite", procedure), {"starred": starred})


def test_a_reader_stars_and_unstars_a_procedure(reader_client, reader, written):
    page = text(reader_client.get(written.get_absolute_url()))
    assert 'class="favourite-form not-favourite"' in page
    response = star(reader_client, written)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == written.get_absolute_url()
    assert "is in your favourites" in messages_of(response)[0]
    assert 'class="favourite-form is-favourite"' in text(reader_client.get(response["Location"]))
    star(reader_client, written)  # twice is still once
    assert Favourite.objects.filter(user=reader).count() == 1
    star(reader_client, written, "0")
    assert not Favourite.objects.filter(user=reader).exists()
    assert 'class="favourite-form not-favourite"' in text(
        reader_client.get(written.get_absolute_url())
    )


def test_the_cached_page_shows_each_reader_their_own_star_in_one_query(client, reader, written):
    other = UserFactory(username="other-reader")
    other.groups.set(reader.groups.all())
    workflow.procedure_favourite(procedure=written, user=reader, starred=True)
    url = written.get_absolute_url()
    client.force_login(other)
    client.get(url)  # the page and other's stars now cached
    client.force_login(reader)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = text(client.get(url))
    assert len(queries) == 1  # the user; page and stars from caches
    assert 'class="favourite-form is-favourite"' in page
    assert "sop-favourite-" not in page  # no placeholder left
    client.force_login(other)
    assert 'class="favourite-form not-favourite"' in text(client.get(url))
    # A change of star is seen at once, though the page itself stays cached.
    workflow.procedure_favourite(procedure=written, user=other, starred=True)
    assert 'class="favourite-form is-favourite"' in text(client.get(url))
    assert caches["template_fragments"] is not None


def test_the_visit_beacon_keeps_the_latest_ten(reader_client, reader):
    section = SectionFactory()
    procedures = [
        ProcedureFactory(section=section, slug=f"p{n}", title=f"Procedure {n}", position=n)
        for n in range(12)
    ]
    for procedure in procedures:
        response = reader_client.post(purl("viewed", procedure))
        assert response.status_code == HTTPStatus.NO_CONTENT
    reader_client.post(purl("viewed", procedures[3]))  # again: moves to the top, no copy
    kept = list(
        RecentView.objects.filter(user=reader).order_by("-viewed_at", "-pk")
        .values_list("procedure__slug", flat=True)
    )  # fmt: skip
    assert kept == ["p3", "p11", "p10", "p9", "p8", "p7", "p6", "p5", "p4", "p2"]


def test_my_work_lists_favourites_and_recently_viewed(reader_client, reader, written):
    page = text(reader_client.get(reverse("procedures:my_work")))
    assert "None yet. Use ☆ Favourite" in page
    assert "The procedures you open will be listed here." in page
    star(reader_client, written)
    reader_client.post(purl("viewed", written))
    page = text(reader_client.get(reverse("procedures:my_work")))
    favourites = page.split('id="favourites-heading"')[1].split("</section>")[0]
    recent = page.split('id="recent-heading"')[1].split("</section>")[0]
    assert f'href="{written.get_absolute_url()}">Rotate the backup tapes</a>' in favourites
    assert f'href="{written.get_absolute_url()}">Rotate the backup tapes</a>' in recent


def test_my_work_does_not_grow_with_bookmarks(reader_client, reader, django_assert_max_num_queries):
    section = SectionFactory()
    for n in range(8):
        procedure = ProcedureFactory(section=section, slug=f"p{n}", position=n)
        workflow.procedure_favourite(procedure=procedure, user=reader, starred=True)
        workflow.procedure_record_view(procedure=procedure, user=reader)
    reader_client.get(reverse("procedures:my_work"))
    with django_assert_max_num_queries(12):
        reader_client.get(reverse("procedures:my_work"))


def test_an_inactive_person_keeps_no_bookmarks(written):
    user = UserFactory(is_active=False)
    with pytest.raises(workflow.NotAllowed):
        workflow.procedure_favourite(procedure=written, user=user, starred=True)
    with pytest.raises(workflow.NotAllowed):
        workflow.procedure_record_view(procedure=written, user=user)
