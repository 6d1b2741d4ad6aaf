from http import HTTPStatus

import pytest
from django.urls import reverse

from procedures.models import Procedure
from tests.factories import ProcedureFactory, RevisionFactory, UserFactory, approved_revision

pytestmark = pytest.mark.django_db


def procedure_url(volume, section, slug):
    return reverse(
        "procedures:procedure", kwargs={"volume": volume, "section": section, "slug": slug}
    )


@pytest.mark.parametrize(
    "url",
    ["/", "/manual/1/", "/manual/3/ii/", "/manual/3/ii/final-friday-training/", "/manual/9/"],
)
def test_every_page_requires_login(client, manual, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_contents_lists_every_procedure_linked(reader_client, manual):
    response = reader_client.get("/")
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    for procedure in Procedure.objects.with_place():
        assert f'href="{procedure.get_absolute_url()}"' in body
    assert body.count("not yet written") == 163
    assert "Volume 4: Support and Service Delivery" in body


def test_contents_query_count_does_not_grow(reader_client, manual, django_assert_max_num_queries):
    # 5 for the page, 2 for the user's permissions (the menu offers editors and approvers more),
    # 1 for the reader's favourites and recent views (issue 15: the contents panel, then kept
    # per person in the cache; a warm page is still one query, tests/test_query_counts.py).
    with django_assert_max_num_queries(8):
        reader_client.get("/")


def test_readable_urls(reader_client, manual):
    assert reader_client.get("/manual/1/").status_code == HTTPStatus.OK
    section = reader_client.get("/manual/3/ii/")
    assert "Final Friday Training" in section.content.decode()
    assert reader_client.get("/manual/3/ii/final-friday-training/").status_code == HTTPStatus.OK
    assert reader_client.get("/manual/2/ii/the-tech-directory/").status_code == HTTPStatus.OK
    assert procedure_url(3, "II", "final-friday-training") == "/manual/3/ii/final-friday-training/"


@pytest.mark.parametrize(
    "url",
    [
        "/manual/9/",
        "/manual/1/ix/",
        "/manual/3/ii/no-such-procedure/",
        "/manual/3/II/final-friday-training/",
        "/manual/0/i/x/",
    ],
)
def test_unknown_places_are_404_in_the_site_layout(reader_client, manual, url):
    response = reader_client.get(url)
    assert response.status_code == HTTPStatus.NOT_FOUND
    body = response.content.decode()
    assert "Page not found" in body and "Operations Manual" in body


def test_not_yet_written_state(reader_client, manual):
    response = reader_client.get("/manual/3/ii/final-friday-training/")
    body = response.content.decode()
    assert "Not yet written." in body
    assert "Revision" not in body.split("<article")[1].split("</header>")[0]


def test_procedure_page_shows_approved_revision_not_drafts(reader_client, manual):
    procedure = Procedure.objects.get(
        section__volume__number=3, section__numeral="II", slug="final-friday-training"
    )
    approver = UserFactory(username="approver", first_name="Ada", last_name="Approver")
    approved = approved_revision(
        procedure, body="## Agenda\n\nThe **approved** agenda.", reviewer=approver
    )
    RevisionFactory(procedure=procedure, body="SECRET DRAFT TEXT")
    body = reader_client.get(procedure.get_absolute_url()).content.decode()
    assert "The <strong>approved</strong> agenda." in body
    assert "SECRET DRAFT TEXT" not in body
    assert f"Revision {approved.number}" in body
    assert "approved by Ada Approver" in body
    assert approved.reviewed_at.strftime("%Y-%m-%d") in body  # in the <time datetime=...>
    assert 'href="#agenda"' in body  # in-page contents
    assert "not-written" not in body


def test_breadcrumbs_and_previous_next_in_book_order(reader_client, manual):
    body = reader_client.get("/manual/3/ii/final-friday-training/").content.decode()
    assert 'href="/manual/3/"' in body and 'href="/manual/3/ii/"' in body
    # Last of 3.II: previous is the Scary Box, next is the first procedure of 3.III.
    assert 'rel="prev" href="/manual/3/ii/technician-supplies-the-scary-box/"' in body
    assert 'rel="next" href="/manual/3/iii/intro-notes/"' in body


def test_first_and_last_procedures_have_one_neighbour(reader_client, manual):
    first = reader_client.get(
        Procedure.objects.in_book_order().first().get_absolute_url()
    ).content.decode()
    last = reader_client.get(
        Procedure.objects.in_book_order().last().get_absolute_url()
    ).content.decode()
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="next"' not in last and 'rel="prev"' in last


@pytest.mark.parametrize("revisions", [1, 50])
def test_procedure_page_query_count_does_not_grow_with_revisions(
    reader_client, revisions, django_assert_max_num_queries
):
    procedure = ProcedureFactory()
    for _ in range(revisions):
        approved_revision(procedure)
    # Cold cache: session, user, 3 to build the table of contents (procedures.caching.toc),
    # work in review, 2 for the user's permissions (menu, Edit button), the procedure,
    # "Linked from" and its review dates (issue 14) for its cached fragments; the
    # acknowledgement rule named in its header and the reader's reading state (the rules:
    # issue 14, read acknowledgements); the reader's starred procedures (issue 15). A warm
    # cache needs one; none grows.
    with django_assert_max_num_queries(14):
        response = reader_client.get(procedure.get_absolute_url())
    assert response.status_code == HTTPStatus.OK


def test_login_lands_on_the_page_asked_for(client, manual):
    UserFactory(username="tech", password="a-long-enough-password")
    response = client.post(
        reverse("login") + "?next=/manual/3/ii/",
        {"username": "tech", "password": "a-long-enough-password", "next": "/manual/3/ii/"},
    )
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == "/manual/3/ii/"
    response = client.post(reverse("logout"))
    response = client.post(
        reverse("login"), {"username": "tech", "password": "a-long-enough-password"}
    )
    assert response["Location"] == reverse("procedures:contents")


def test_login_refuses_an_offsite_next(client, db):
    UserFactory(username="tech", password="a-long-enough-password")
    response = client.post(
        reverse("login"),
        {"username": "tech", "password": "a-long-enough-password", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("procedures:contents")


def test_logout_ends_the_session(reader_client):
    reader_client.post(reverse("logout"))
    assert reader_client.get("/").status_code == HTTPStatus.FOUND


def test_login_and_password_pages_use_the_site_layout(client, reader):
    assert "Operations Manual" in client.get(reverse("login")).content.decode()
    client.force_login(reader)
    reader_client = client
    page = reader_client.get(reverse("password_change")).content.decode()
    assert "Change password" in page and "Operations Manual" in page


def test_pages_use_local_assets_only(reader_client, manual):
    body = reader_client.get("/").content.decode()
    assert "/static/bootstrap/css/bootstrap.min.css" in body
    assert "cdn" not in body.lower() and "googleapis" not in body
    assert reader_client.get("/static/bootstrap/css/bootstrap.min.css").status_code == HTTPStatus.OK


def test_a_url_that_matches_nothing_gets_a_plain_404(reader_client):
    body = reader_client.get("/no/such/page/").content.decode()
    assert "There is no such page in the manual." in body and "Resolver404" not in body
