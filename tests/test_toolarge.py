"""A request over Django's upload limit gets the site's own 413 page, never a bare 400."""

from http import HTTPStatus
from urllib.parse import urlencode

import pytest

from procedures import workflow
from tests.pages import draft_form, rurl, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(editor, procedure):
    return workflow.revision_start_draft(procedure=procedure, user=editor)


def assert_the_413_page(response):
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    page = text(response)
    assert "Too large: nothing was saved" in page
    assert "Back</strong> button" in page  # how to get the text back
    assert "Operations Manual" in page  # in the site's layout


@pytest.mark.parametrize("debug", [False, True])
def test_a_form_post_over_the_limit_gets_the_413_page(as_user, editor, draft, settings, debug):
    settings.DEBUG = debug  # never Django's debug page either
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    data = urlencode(draft_form(draft, body="Paste " * 5_000))
    response = as_user(editor).post(
        rurl("revision_edit", draft), data, content_type="application/x-www-form-urlencoded"
    )
    assert_the_413_page(response)
    draft.refresh_from_db()
    assert draft.body == ""


def test_a_multipart_post_whose_fields_are_over_the_limit_gets_the_413_page(
    as_user, editor, draft, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = as_user(editor).post(
        rurl("revision_edit", draft), draft_form(draft, body="x" * 20_000)
    )
    assert_the_413_page(response)


def test_a_post_under_the_limit_is_saved_as_usual(as_user, editor, draft, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    data = urlencode(draft_form(draft, body="Short text\n"))
    response = as_user(editor).post(
        rurl("revision_edit", draft), data, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == HTTPStatus.FOUND
    draft.refresh_from_db()
    assert draft.body == "Short text\n"
