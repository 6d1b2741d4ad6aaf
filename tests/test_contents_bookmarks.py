"""The contents page's "Your favourites" and "Recently viewed" (issue 15): each reader's own,
filled into the one cached page from one cached lookup per person."""

import re
from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures import workflow
from tests.factories import ProcedureFactory, SectionFactory, VolumeFactory, approved_revision
from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedures():
    section = SectionFactory(volume=VolumeFactory(number=2), numeral="I", title="Network")
    made = [ProcedureFactory(section=section, title=t, slug=s, position=n)
            for n, (t, s) in enumerate([("VPN reset", "vpn"), ("Firewall change", "fw"),
                                        ("DNS flush", "dns")], 1)]  # fmt: skip
    for procedure in made:
        approved_revision(procedure)
    return made


def contents(client):
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def panel(html):
    start = html.find('class="bookmarks-panel')
    return "" if start < 0 else html[start : html.find("</details>", start)]


def rest(html, username):
    """The page less its reader's panel, name and CSRF token."""
    html = html.replace(panel(html), "").replace(username, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_two_readers_see_their_own_panels_from_the_same_cached_page(procedures):
    for cache in caches.all():
        cache.clear()
    vpn, fw, dns = procedures
    ann, bob = make_user("reader", "ann"), make_user("reader", "bob")
    workflow.procedure_favourite(procedure=vpn, user=ann, starred=True)
    workflow.procedure_record_view(procedure=dns, user=ann)
    workflow.procedure_favourite(procedure=fw, user=bob, starred=True)
    first, second = contents(client_as(ann)), contents(client_as(bob))
    assert "2.I VPN reset" in panel(first) and "2.I DNS flush" in panel(first)
    assert "Firewall change" not in panel(first)
    assert "2.I Firewall change" in panel(second)
    assert "VPN reset" not in panel(second) and "DNS flush" not in panel(second)
    # The same cached page: everything but the panel and the name is byte for byte the same.
    assert rest(first, "ann") == rest(second, "bob")
    # Someone with no bookmarks gets no panel at all.
    assert panel(contents(client_as(make_user("reader", "cy")))) == ""


def test_a_star_shows_on_the_contents_page_at_once(procedures):
    reader = make_user("reader", "dee")
    client = client_as(reader)
    assert panel(contents(client)) == ""
    response = client.post(procedures[1].get_absolute_url() + "favourite/", {"starred": "1"})
    assert response.status_code == HTTPStatus.FOUND
    assert "Firewall change" in panel(contents(client))
    client.post(procedures[1].get_absolute_url() + "favourite/", {"starred": "0"})
    assert panel(contents(client)) == ""


def test_a_visit_shows_under_recently_viewed_and_keeps_the_page_warm(
    procedures, django_capture_on_commit_callbacks
):
    reader = make_user("reader", "eve")
    client = client_as(reader)
    contents(client)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(procedures[2].get_absolute_url() + "viewed/").status_code == 204
    with CaptureQueriesContext(connection) as queries:
        html = contents(client)
    assert "DNS flush" in panel(html)
    assert len(queries) == 1  # the user only: the panel was read afresh by the visit


def test_an_editors_own_page_shows_the_panel_too(procedures):
    editor = make_user("editor", "fay")
    workflow.procedure_favourite(procedure=procedures[0], user=editor, starred=True)
    assert "VPN reset" in panel(contents(client_as(editor)))
