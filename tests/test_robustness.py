"""Generated nonsense into every query parameter, form field and URL argument of every page in
the access matrix (tests/access.py), as every role: no response may be a server error.

New pages are covered as soon as they have a matrix row. Their forms are found by reading
the page itself, so a new field is fuzzed without being listed here; query parameters a page
reads are worth adding to QUERY_PARAMETERS (search, filters, paging).
"""

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.access import EXAMPLES, MATRIX, build_world, example_url, row, url_patterns
from tests.roles import ROLES, client_as

pytestmark = pytest.mark.django_db

# Parameters pages read today or soon: paging, search, filters, sorting, redirects, admin's.
QUERY_PARAMETERS = [
    "page", "q", "o", "sort", "order", "volume", "section", "status", "owner", "title",
    "next", "revision", "a", "b", "version", "e", "p", "all", "_changelist_filters", "against",
]  # fmt: skip

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Awkward values beyond what st.text() tends to find quickly.
AWKWARD = [
    "", " ", "0", "-1", "1e309", "NaN", "inf", "None", "null", "true", "[]", "{}",
    "\x00", "a\x00b", "%00", "../../etc/passwd", "' OR 1=1 --", "<script>x</script>",
    "\u202e\ud7ff", "\u216b", "\u0661\u0662", "\U0001f600" * 50, "x" * 5000, "9" * 400,
    "2026-02-30", "2026-13-01T25:61", "-0", "0x1F", "\uff11\uff12", "%", "%%", "?&=#",
]  # fmt: skip
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.sampled_from(AWKWARD),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
values = st.one_of(nasty_text, st.lists(nasty_text, min_size=2, max_size=4))
query = st.dictionaries(
    st.one_of(st.sampled_from(QUERY_PARAMETERS), st.text(min_size=1, max_size=10)),
    values,
    max_size=5,
)

GET_ROWS = [name for name in MATRIX if row(name)["method"] == "GET"]


@pytest.fixture
def world():
    return build_world()


class FormFinder(HTMLParser):
    """Collect each POST form's action and the names of its fields."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append({"action": attrs.get("action") or "", "fields": set()})
        elif (
            tag in ("input", "textarea", "select", "button")
            and self.forms
            and attrs.get("name") not in (None, "csrfmiddlewaretoken")
        ):
            self.forms[-1]["fields"].add(attrs["name"])


def post_forms(client, url):
    """Return (action URL, field names) of each POST form on the page, logout excepted."""
    response = client.get(url, follow=True)
    finder = FormFinder()
    finder.feed(response.content.decode(errors="replace"))
    page = response.request["PATH_INFO"]
    return [
        (urlsplit(form["action"]).path or page, sorted(form["fields"]))
        for form in finder.forms
        if "logout" not in form["action"]
    ]


def assert_no_server_error(response, what):
    assert response.status_code < 500, f"{response.status_code} for {what}"


@pytest.mark.parametrize("name", GET_ROWS)
@FUZZ
@given(role=st.sampled_from(ROLES), params=query)
def test_query_parameters(world, name, role, params):
    url = example_url(name, world)
    response = client_as(world.users[role]).get(url, params)
    assert_no_server_error(response, f"GET {url} {params!r} as {role}")


@pytest.mark.parametrize("name", GET_ROWS)
@FUZZ
@given(role=st.sampled_from(ROLES), data=st.data())
def test_form_fields(world, name, role, data):
    # Each example starts from the same world: a POST that works (discard, restore...) is
    # rolled back, so the next example finds the same forms to fill in.
    with transaction.atomic():
        client = client_as(world.users[role])
        forms = post_forms(client, example_url(name, world))
        if forms:
            action, fields = data.draw(st.sampled_from(forms))
            payload = data.draw(st.fixed_dictionaries(dict.fromkeys(fields, values)))
            response = client.post(action, payload)
            assert_no_server_error(response, f"POST {action} {payload!r} as {role}")
        transaction.set_rollback(True)


PATH_ROWS = [p for p in url_patterns() if p.name in MATRIX and p.converters]


@pytest.mark.parametrize("pattern", PATH_ROWS, ids=lambda p: p.name)
@FUZZ
@given(role=st.sampled_from(ROLES), segments=st.lists(nasty_text, min_size=4, max_size=4))
def test_url_arguments(world, pattern, role, segments):
    """Each <argument> of the route replaced by generated text (most are 404s)."""
    example = EXAMPLES[pattern.name](world)
    parts = iter(segments)

    def fill(match):
        text = next(parts) or str(example.get(match.group(1), "x"))
        return quote(text, safe="")

    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, pattern.route)
    response = client_as(world.users[role]).get(path)
    assert_no_server_error(response, f"GET {path} as {role}")


# URLs only JavaScript posts to: no page holds their form, so their fields are listed here.
SCRIPT_FORMS = {
    "procedures:autosave": ["body", "summary", "version", "csrfmiddlewaretoken"],
    "procedures:preview": ["body"],
}


@pytest.mark.parametrize("name", SCRIPT_FORMS)
@FUZZ
@given(role=st.sampled_from(ROLES), data=st.data())
def test_script_only_form_fields(world, name, role, data):
    with transaction.atomic():
        url = example_url(name, world)
        payload = data.draw(st.fixed_dictionaries(dict.fromkeys(SCRIPT_FORMS[name], values)))
        response = client_as(world.users[role]).post(url, payload)
        assert_no_server_error(response, f"POST {url} {payload!r} as {role}")
        transaction.set_rollback(True)
