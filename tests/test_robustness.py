"""Generated nonsense into every query parameter, form field and URL argument of every page in
the access matrix (tests/access.py), as every role; into the changelist and the add form of
every model in the admin, with its real filter, date hierarchy, search and field parameters,
as the superuser; and into the `next` of the login and logout pages. Bodies over Django's upload limits to every form.
No response may be a server error, or log one.

New pages are covered as soon as they have a matrix row, new admin models as soon as they are
registered. Forms are found by reading the page itself, so a new field is fuzzed without being
listed here; query parameters a page reads are worth adding to QUERY_PARAMETERS (search,
filters, paging).
"""

import logging
import re
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.contrib import admin
from django.contrib.admin.filters import FieldListFilter
from django.contrib.admin.options import IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ALL_VAR, ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Transform
from django.test import RequestFactory, override_settings
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.access import EXAMPLES, MATRIX, build_world, example_url, row, url_patterns
from tests.roles import PASSWORD, ROLES, client_as

pytestmark = pytest.mark.django_db

# Parameters pages read today or soon: paging, search, filters, sorting, redirects, admin's.
QUERY_PARAMETERS = [
    "page", "q", "o", "sort", "order", "volume", "section", "status", "owner", "title",
    "next", "revision", "a", "b", "version", "e", "p", "all", "_changelist_filters", "against",
    "procedure", "client", "assignee", "started_after", "started_before", "frequency",
    "weekday", "week_of_month", "starts_on", "group", "overdue", "as_of", "groups", "due_days",
    "view", "from", "to",
    # The directory's callback (OpenID Connect).
    "code", "state", "error", "error_description",
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
    "(", "[", "*",
]  # fmt: skip
# What a database or a date cannot hold: past 32 and 64 bits, past the year 9999, and NULs
# (PostgreSQL refuses them in text). Often drawn on their own: random text rarely finds them.
EDGE = [
    "\x00", "a\x00b", "2147483648", "-2147483649", "9223372036854775808", "99999999999",
    "9" * 26, "9999", "1,99999999999999999999",
]  # fmt: skip
AWKWARD += EDGE
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.sampled_from(AWKWARD),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
values = st.one_of(nasty_text, st.lists(nasty_text, min_size=2, max_size=4))
query = st.dictionaries(
    st.one_of(
        st.sampled_from(QUERY_PARAMETERS),
        st.text(min_size=1, max_size=10),
        st.sampled_from(["\x00", "q\x00"]),
    ),
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
    if response.streaming:  # a stored file (attachments): no forms in it
        return []
    finder = FormFinder()
    finder.feed(response.content.decode(errors="replace"))
    page = response.request["PATH_INFO"]
    return [
        (urlsplit(form["action"]).path or page, sorted(form["fields"]))
        for form in finder.forms
        if "logout" not in form["action"]
    ]


def assert_no_server_error(response, what, caplog):
    """Fail on a 5xx, or on an error logged since the last check (or caplog.clear())."""
    errors = [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.get_records("call")
        # Django logs a refused SuspiciousOperation (a 400) to django.security.* as an error.
        if record.levelno >= logging.ERROR and not record.name.startswith("django.security.")
    ]
    caplog.clear()
    assert response.status_code < 500, f"{response.status_code} for {what}"
    assert not errors, f"logged {errors} for {what}"


@pytest.mark.parametrize("name", GET_ROWS)
@FUZZ
@given(role=st.sampled_from(ROLES), params=query)
def test_query_parameters(world, caplog, name, role, params):
    caplog.clear()  # what an earlier example left
    url = example_url(name, world)
    response = client_as(world.users[role]).get(url, params)
    assert_no_server_error(response, f"GET {url} {params!r} as {role}", caplog)


@pytest.mark.parametrize("name", GET_ROWS)
@FUZZ
@given(role=st.sampled_from(ROLES), data=st.data())
def test_form_fields(world, caplog, name, role, data):
    caplog.clear()  # what an earlier example left
    # Each example starts from the same world: a POST that works (discard, restore...) is
    # rolled back, so the next example finds the same forms to fill in.
    with transaction.atomic():
        client = client_as(world.users[role])
        forms = post_forms(client, example_url(name, world))
        if forms:
            action, fields = data.draw(st.sampled_from(forms))
            payload = data.draw(st.fixed_dictionaries(dict.fromkeys(fields, values)))
            response = client.post(action, payload)
            assert_no_server_error(response, f"POST {action} {payload!r} as {role}", caplog)
        transaction.set_rollback(True)


PATH_ROWS = [p for p in url_patterns() if p.name in MATRIX and p.converters]


@pytest.mark.parametrize("pattern", PATH_ROWS, ids=lambda p: p.name)
@FUZZ
@given(role=st.sampled_from(ROLES), segments=st.lists(nasty_text, min_size=4, max_size=4))
def test_url_arguments(world, caplog, pattern, role, segments):
    """Each <argument> of the route replaced by generated text (most are 404s)."""
    caplog.clear()  # what an earlier example left
    example = EXAMPLES[pattern.name](world)
    parts = iter(segments)

    def fill(match):
        text = next(parts) or str(example.get(match.group(1), "x"))
        return quote(text, safe="")

    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, pattern.route)
    response = client_as(world.users[role]).get(path)
    assert_no_server_error(response, f"GET {path} as {role}", caplog)


# The admin: the changelist of every registered model, as the superuser. The admin passes any
# lookup on a model's own fields to the query, besides those its filters read.
ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
CHANGELIST_PARAMETERS = [
    SEARCH_VAR, ORDER_VAR, PAGE_VAR, ALL_VAR, TO_FIELD_VAR, IS_POPUP_VAR, IS_FACETS_VAR,
]  # fmt: skip
ADMIN_FUZZ = settings(FUZZ, max_examples=30)


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def filter_parameters(model, user) -> list[str]:
    """Return the query parameters the changelist's filters and date hierarchy read."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get(changelist_url(model))
    request.user = user
    names = []
    for list_filter in model_admin.get_list_filter(request):
        if callable(list_filter):  # a SimpleListFilter
            spec = list_filter(request, {}, model, model_admin)
        else:
            path, filter_class = (
                list_filter
                if isinstance(list_filter, (list, tuple))
                else (list_filter, FieldListFilter.create)
            )
            field = get_fields_from_path(model, path)[-1]
            spec = filter_class(field, request, {}, model, model_admin, field_path=path)
        names += spec.expected_parameters()
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


def field_lookups(model) -> list[str]:
    """Return every lookup and transform on the model's own fields (created_at__year__gt ...)."""
    names = []
    for field in model._meta.concrete_fields:
        for name, lookup in field.get_lookups().items():
            names.append(f"{field.name}__{name}")
            if issubclass(lookup, Transform):  # it takes lookups of its own
                names += [f"{field.name}__{name}__{then}" for then in ("gt", "in")]
    return sorted(names)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
@ADMIN_FUZZ
@given(data=st.data())
def test_admin_changelists(world, caplog, model, data):
    caplog.clear()  # what an earlier example left
    superuser = world.users["superuser"]
    keys = st.one_of(
        st.sampled_from(filter_parameters(model, superuser) + CHANGELIST_PARAMETERS),
        st.sampled_from(field_lookups(model)),
    )
    params = data.draw(
        st.dictionaries(keys, st.one_of(st.sampled_from(EDGE), values), min_size=1, max_size=3)
    )
    url = changelist_url(model)
    response = client_as(superuser).get(url, params)
    assert_no_server_error(response, f"GET {url} {params!r}", caplog)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_a_changelist_refuses_to_reference_a_reverse_relation(world, caplog, model):
    """?_to_field= naming what points at the model (Revision's `attachment_links`): a 400, as
    for any field that may not be referenced. Django's check failed on it with a 500."""
    reverse_names = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    client = client_as(world.users["superuser"])
    for name in reverse_names:
        response = client.get(changelist_url(model), {TO_FIELD_VAR: name})
        assert_no_server_error(response, f"?{TO_FIELD_VAR}={name}", caplog)
        assert response.status_code == HTTPStatus.BAD_REQUEST, name


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_admin_changelists_with_each_edge_value(world, caplog, model):
    """Every parameter of the changelist's own with every EDGE value in turn, which random
    draws might miss (the month and day of the date hierarchy with a year to go with them)."""
    superuser = world.users["superuser"]
    client = client_as(superuser)
    url = changelist_url(model)
    hierarchy = admin.site._registry[model].date_hierarchy
    for name in filter_parameters(model, superuser) + CHANGELIST_PARAMETERS:
        given_with = {}
        if hierarchy and name in (f"{hierarchy}__month", f"{hierarchy}__day"):
            given_with = {f"{hierarchy}__year": "2026", f"{hierarchy}__month": "12"}
        for value in EDGE:
            params = {**given_with, name: value}
            response = client.get(url, params)
            assert_no_server_error(response, f"GET {url} {params!r}", caplog)


def can_add(model) -> bool:
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True, is_active=True)
    return admin.site._registry[model].has_add_permission(request)


# The add form takes initial values from the query string, by field name (?section=3).
ADD_FORM_MODELS = [model for model in ADMIN_MODELS if can_add(model)]


def add_form_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def field_names(model) -> list[str]:
    return [field.name for field in [*model._meta.concrete_fields, *model._meta.many_to_many]]


@pytest.mark.parametrize("model", ADD_FORM_MODELS, ids=lambda model: model._meta.label)
@FUZZ
@given(data=st.data())
def test_admin_add_forms(world, caplog, model, data):
    caplog.clear()  # what an earlier example left
    keys = st.sampled_from(field_names(model))
    params = data.draw(
        st.dictionaries(keys, st.one_of(st.sampled_from(EDGE), values), min_size=1, max_size=3)
    )
    url = add_form_url(model)
    response = client_as(world.users["superuser"]).get(url, params)
    assert_no_server_error(response, f"GET {url} {params!r}", caplog)


@pytest.mark.parametrize("model", ADD_FORM_MODELS, ids=lambda model: model._meta.label)
def test_admin_add_forms_with_each_edge_value(world, caplog, model):
    client = client_as(world.users["superuser"])
    url = add_form_url(model)
    for name in field_names(model):
        for value in EDGE:
            response = client.get(url, {name: value})
            assert_no_server_error(response, f"GET {url} {{{name!r}: {value!r}}}", caplog)


# The login and logout pages, as each role, with a `next` that leads anywhere: back to the
# page itself, to the other one, elsewhere on the site, off it, nowhere.
LOGIN_URL, LOGOUT_URL = reverse("login"), reverse("logout")
NEXT_TARGETS = [
    LOGIN_URL, LOGOUT_URL, f"{LOGIN_URL}?next={quote(LOGIN_URL)}", f"http://testserver{LOGIN_URL}",
    LOGIN_URL.rstrip("/"), f"{LOGIN_URL}#top", reverse("admin:login"), reverse("admin:logout"),
    reverse("procedures:contents"), reverse("password_change"), "//evil.example/",
    "https://evil.example/", "/\x00",
]  # fmt: skip


@FUZZ
@given(role=st.sampled_from(ROLES), next_=st.one_of(st.sampled_from(NEXT_TARGETS), values))
@example(role="reader", next_=LOGIN_URL)
@example(role="approver", next_=LOGIN_URL)
def test_login_and_logout_with_any_next(world, caplog, role, next_):
    caplog.clear()  # what an earlier example left
    user = world.users[role]
    client = client_as(user)

    def send(method, url, data):
        response = getattr(client, method)(url, data, follow=True)  # a loop raises here
        assert_no_server_error(response, f"{method.upper()} {url} {data!r} as {role}", caplog)
        return response

    def assert_sent_on(response):
        # Someone logged in is sent on from the login page, never shown its form again.
        shown = {template.name for template in response.templates}
        assert "registration/login.html" not in shown, f"login form for next={next_!r} as {role}"

    response = send("get", LOGIN_URL, {"next": next_})
    if user is not None:
        assert_sent_on(response)
    send("get", reverse("admin:login"), {"next": next_})
    send("post", LOGOUT_URL, {"next": next_})
    username = (user or world.users["reader"]).get_username()
    assert_sent_on(
        send("post", LOGIN_URL, {"username": username, "password": PASSWORD, "next": next_})
    )


# A body over DATA_UPLOAD_MAX_MEMORY_SIZE gets the site's 413 page (how to get the text back),
# one with more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields the 400 page, whichever page it is
# sent to and by whom.
BODY_ROWS = [name for name in MATRIX if row(name)["method"] == "POST"] + [
    "login", "password_change", "admin:login", "admin:procedures_revision_changelist",
    "admin:procedures_revision_change", "admin:auth_user_changelist",
]  # fmt: skip
FORM = "application/x-www-form-urlencoded"
TOO_MUCH = [
    ("a long field", {"body": "x" * 2_000}, FORM, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"Too large"),
    ("a long field, multipart", {"body": "x" * 2_000}, MULTIPART_CONTENT,
     HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"Too large"),
    ("too many fields", {f"field{n}": "x" for n in range(20)}, FORM, HTTPStatus.BAD_REQUEST,
     b"Bad request"),
]  # fmt: skip


@pytest.mark.parametrize("name", BODY_ROWS)
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000, DATA_UPLOAD_MAX_NUMBER_FIELDS=10)
def test_a_body_too_large_is_a_bad_request(world, caplog, name):
    url = example_url(name, world)
    for role in ROLES:
        client = client_as(world.users[role])
        for what, data, content_type, status, page in TOO_MUCH:
            body = urlencode(data) if content_type == FORM else data
            response = client.post(url, body, content_type=content_type)
            assert_no_server_error(response, f"POST {url} with {what} as {role}", caplog)
            assert response.status_code == status, f"{what} to {url} as {role}"
            assert page in response.content


# URLs only JavaScript posts to (no page holds their form) and forms a page shows only in some
# states: their fields are listed here.
SCRIPT_FORMS = {
    "procedures:autosave": ["body", "summary", "change", "version", "csrfmiddlewaretoken"],
    "procedures:preview": ["body"],
    "procedures:favourite": ["starred", "csrfmiddlewaretoken"],
    # Issue 15: approvers' buttons shown only in some states (a written procedure; a section
    # page once a template exists), so fuzzed here whatever the World's state.
    "procedures:mark_template": ["on", "csrfmiddlewaretoken"],
    "procedures:section_template": ["template", "csrfmiddlewaretoken"],
}


@pytest.mark.parametrize("name", SCRIPT_FORMS)
@FUZZ
@given(role=st.sampled_from(ROLES), data=st.data())
def test_script_only_form_fields(world, caplog, name, role, data):
    caplog.clear()  # what an earlier example left
    with transaction.atomic():
        url = example_url(name, world)
        payload = data.draw(st.fixed_dictionaries(dict.fromkeys(SCRIPT_FORMS[name], values)))
        response = client_as(world.users[role]).post(url, payload)
        assert_no_server_error(response, f"POST {url} {payload!r} as {role}", caplog)
        transaction.set_rollback(True)
