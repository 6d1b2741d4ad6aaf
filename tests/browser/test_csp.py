"""The Content-Security-Policy in a real browser: the site's own pages break none of it, and
what it forbids really does not run."""

import contextlib
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from procedures.models import Procedure
from tests.factories import UserFactory, approved_revision
from tests.roles import make_user

RICH_BODY = """\
A procedure using everything the renderer offers.

## Checklist

- [x] Done already
- [ ] Still to do

## Table

| Step | Who | Left | Right |
| --- | :-- | --: | :-: |
| 1 | Desk | a | b |

!!! warning "Careful"
    Check the backup first.

```powershell
Get-Service -Name Spooler
```

See [Final Friday Training](/manual/3/ii/final-friday-training/) and
![logo](/static/favicon.svg "The logo").
"""

READER_PAGES = [
    "/",
    "/manual/3/",
    "/manual/3/ii/",
    "/manual/3/ii/technician-supplies-the-scary-box/",
    "/manual/3/ii/final-friday-training/",  # not yet written
    "/accounts/password/",
    "/accounts/password/done/",
    "/manual/9/",  # 404 in the site layout
]
ADMIN_PAGES = [
    "/admin/",
    "/admin/procedures/procedure/",
    "/admin/procedures/revision/",
    "/admin/auth/user/",
    "/admin/auth/user/add/",
]
NO_PROBLEMS = {
    "dialogs": [],
    "page errors": [],
    "console errors": [],
    "failed requests": [],
    "CSP violations": [],
}


@pytest.fixture
def written(manual):
    procedure = Procedure.objects.get(slug="technician-supplies-the-scary-box")
    approved_revision(procedure, body=RICH_BODY, reviewer=UserFactory(first_name="Ada"))
    return procedure


def visit(page, watching, url):
    watching.clear()
    page.goto(url)
    page.wait_for_load_state("load")
    return watching.problems()


@pytest.mark.parametrize("width", [1280, 400], ids=["wide", "narrow"])
def test_reading_pages_break_no_policy(page, live_server, log_in, watch, written, width):
    """Narrow, the navigation collapses behind Bootstrap's toggler, drawn as a data: SVG."""
    page.set_viewport_size({"width": width, "height": 900})
    watching = watch(page)
    log_in(page, make_user("reader"))
    for path in READER_PAGES:
        assert visit(page, watching, live_server.url + path) == NO_PROBLEMS, path
    # Bootstrap's own JavaScript (a static file) works under script-src 'self'.
    visit(page, watching, live_server.url + "/")
    if width < 768:
        page.get_by_role("button", name="Toggle navigation").click()
        # Wait for the menu to finish opening: a click while it still slides open (class
        # "collapsing") can land before the user menu's button stops moving (seen under CI's load).
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_role("button", name="reader-user").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert watching.problems() == NO_PROBLEMS


def test_login_page_breaks_no_policy(page, live_server, watch):
    watching = watch(page)
    assert visit(page, watching, live_server.url + "/accounts/login/?next=/") == NO_PROBLEMS


def test_admin_pages_break_no_policy(page, live_server, log_in, watch, written):
    watching = watch(page)
    log_in(page, make_user("superuser"))
    revision = written.current_revision
    pages = [*ADMIN_PAGES, f"/admin/procedures/revision/{revision.pk}/change/"]
    for path in pages:
        assert visit(page, watching, live_server.url + path) == NO_PROBLEMS, path


def test_the_policy_stops_inline_script_and_style(page, live_server, log_in, watch, manual):
    """What the sanitiser might one day let through still cannot run: an inline script, an
    inline event handler, an inline style, a script from elsewhere."""
    watching = watch(page)
    log_in(page, make_user("reader"))
    page.evaluate(
        """() => {
        const script = document.createElement('script');
        script.textContent = 'window.__xss = 1';
        document.body.append(script);
        const img = document.createElement('img');
        img.setAttribute('src', '/no-such-image');
        img.setAttribute('onerror', 'window.__xss = 2');
        document.body.append(img);
        const style = document.createElement('div');
        style.setAttribute('style', 'display: none');
        document.body.append(style);
        const remote = document.createElement('script');
        remote.src = 'https://example.test/x.js';
        document.body.append(remote);
    }"""
    )
    # The browser reports what it blocked when it gets to it (the image's onerror only
    # after its request failed): wait for all four reports, within a bound, not a fixed
    # 300 ms that a busy machine can miss; the asserts below say which one is missing.
    expected = [
        "script-src-elem blocked inline",
        "script-src-attr blocked inline",
        "style-src-attr blocked inline",
        "script-src-elem blocked https://example.test/x.js",
    ]
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            "(expected) => expected.every("
            "(e) => (window.__cspViolations || []).some((v) => v.includes(e)))",
            arg=expected,
        )
    assert page.evaluate("() => window.__xss") is None
    violations = " | ".join(watching.csp_violations())
    assert "script-src-elem blocked inline" in violations
    assert "script-src-attr blocked inline" in violations
    assert "style-src-attr blocked inline" in violations
    assert "script-src-elem blocked https://example.test/x.js" in violations
