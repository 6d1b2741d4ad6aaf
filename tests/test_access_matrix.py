"""Every URL of the site, for every role: the table in tests/access.py, checked cell by cell."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.access import (
    EXAMPLES,
    MATRIX,
    POST_DATA,
    UNPUBLISHED_MARKERS,
    build_world,
    example_url,
    outcome,
    render_matrix,
    row,
    url_patterns,
)
from tests.roles import ROLES, client_as

pytestmark = pytest.mark.django_db

GET_ROWS = [name for name in MATRIX if row(name)["method"] == "GET"]
POST_ROWS = [name for name in MATRIX if row(name)["method"] == "POST"]


def test_every_url_pattern_has_a_row_in_the_matrix():
    missing = [
        pattern.name or f"(unnamed) {pattern.route}"
        for pattern in url_patterns()
        if not pattern.is_admin and pattern.name not in MATRIX
    ]
    assert missing == [], "add these URLs to tests/access.py MATRIX (and EXAMPLES)"


def test_every_row_of_the_matrix_is_a_url_pattern():
    names = {pattern.name for pattern in url_patterns()}
    assert [name for name in MATRIX if name not in names] == []


def test_every_url_with_arguments_has_an_example():
    lacking = [
        p.name
        for p in url_patterns()
        if p.name in MATRIX and p.converters and p.name not in EXAMPLES
    ]
    assert lacking == [], "say in tests/access.py EXAMPLES how to build these URLs"


@pytest.mark.parametrize("name", GET_ROWS)
def test_get(name):
    world = build_world()
    url = example_url(name, world)
    expected = {role: row(name)[role] for role in ROLES}
    actual = {role: outcome(client_as(world.users[role]).get(url)) for role in ROLES}
    assert actual == expected, url


@pytest.mark.parametrize("name", POST_ROWS)
@pytest.mark.parametrize("role", ROLES)
def test_post(name, role):
    world = build_world()  # afresh for each role: a POST changes things
    data = POST_DATA[name](world) if name in POST_DATA else {}
    response = client_as(world.users[role]).post(example_url(name, world), data)
    assert outcome(response) == row(name)[role]


@pytest.mark.parametrize("name", POST_ROWS)
def test_state_changing_urls_refuse_get(name):
    world = build_world()
    url = example_url(name, world)
    for role in ROLES:
        response = client_as(world.users[role]).get(url)
        if role == "anonymous" and outcome(response) == "LOGIN":
            continue  # never reached the view
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED, role


def test_no_reader_reaches_unpublished_text_by_any_url():
    """GET every page of the matrix as a reader and as nobody, with its example arguments
    and with every whole-number argument replaced by each revision's and procedure's id:
    no draft, in-review or rejected text may come back."""
    world = build_world()
    ids = {r.pk for r in world.revisions} | {world.procedure.pk, world.unwritten.pk}
    patterns = {p.name: p for p in url_patterns()}
    seen = 0
    for role in ("anonymous", "reader"):
        client = client_as(world.users[role])
        for name in GET_ROWS:
            for url in _urls_to_try(name, patterns[name], world, ids):
                response = client.get(url, follow=True)
                # Streamed downloads too (checklists' CSV, transfer's exports): their text is checked as well.
                content = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                body = content.decode(errors="replace")
                seen += 1
                for status, marker in UNPUBLISHED_MARKERS.items():
                    assert marker not in body, f"{role} saw {status} text at {url}"
    assert seen >= 2 * len(GET_ROWS)


def _urls_to_try(name, pattern, world, ids):
    kwargs = EXAMPLES[name](world) if name in EXAMPLES else {}
    yield reverse(name, kwargs=kwargs)
    for arg, converter in pattern.converters.items():
        if converter in ("int", "path", "str"):
            for value in ids:
                yield reverse(name, kwargs={**kwargs, arg: value})


def test_unpublished_text_is_really_in_the_world():
    """The test above would pass vacuously if the markers were nowhere: the superuser's
    admin shows the draft."""
    world = build_world()
    body = client_as(world.users["superuser"]).get(
        example_url("admin:procedures_revision_change", world)
    )
    assert UNPUBLISHED_MARKERS["draft"] in body.content.decode()


def test_print_matrix():
    """`make access-matrix` prints this; every row and every role is in it."""
    table = render_matrix()
    print("\n" + table)
    lines = table.splitlines()
    assert len(lines) == len(MATRIX) + 2
    assert all(role in lines[0] for role in ROLES)
    for name in MATRIX:
        assert any(line.startswith(name + " ") for line in lines)
