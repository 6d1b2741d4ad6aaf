"""Browser tests: pytest-playwright driving Debian's Chromium against Django's live server.

- Chromium is /usr/bin/chromium, never a downloaded browser (`browser_type_launch_args`).
  Without it, tests/conftest.py leaves this folder out and `make test` says so in one line.
- Every test here is marked `browser` (`pytest -m "not browser"` skips them).
- On failure, pytest-playwright saves a screenshot (--screenshot=only-on-failure, in
  pyproject.toml) and the hook below saves each open page's HTML, both under test-results/.
- Django's live server answers from a thread while Playwright's sync API keeps an event loop
  in the main thread, so Django's "no ORM in async context" guard would refuse every query
  the test itself makes: DJANGO_ALLOW_ASYNC_UNSAFE turns it off for this test process.
- `log_in(page, user)` logs in through the real login form (`user` may be a username);
  `watch(page)` records dialogs, console and page errors, failed resource requests and
  Content-Security-Policy violations.
"""

import os
import re
import socket
import threading
from pathlib import Path

import pytest
from django.core.servers import basehttp
from django.db import connections as db_connections

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Page, expect

from tests.conftest import CHROMIUM
from tests.roles import PASSWORD

# Bounds for a busy 2-core machine (CI shares it), not an idle one: Playwright's assertions
# wait 5 s by default, which a live server answering a first page (every cache cold) with
# the other cores taken can miss. A stuck page still fails, only later.
EXPECT_TIMEOUT_MS = 20_000
PAGE_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Run in every page and frame before its own scripts: record the CSP violations the page
# reports, and record dialogs instead of opening them. (A real dialog can trap a test: an
# injected `<input autofocus onfocus=alert(1)>` gets the focus back after each dismissal
# and opens the next one, for ever.)
PAGE_SPY = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
window.__dialogs = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (message) => {
    const entry = `${name}: ${message}`;
    try { top.__dialogs.push(entry); } catch (e) { window.__dialogs.push(entry); }
    return null;
  };
}
"""


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            # Transactional: the live server's thread must see what the test wrote.
            # serialized_rollback restores what migrations created, for the tests after.
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


class _NoDelayServer(basehttp.ThreadedWSGIServer):
    """Django's live server, answering without Nagle's delay: it sends a response's headers
    and body in two writes, and on a kept-alive connection the second waited for the
    browser's delayed acknowledgement of the first, 40 ms on every request."""

    # Requests the app is answering: a test's end waits for them (`_requests_answered`).
    answering = 0
    answered = threading.Condition()

    def get_app(self):
        app = super().get_app()

        def counted(environ, start_response):
            with self.answered:
                type(self).answering += 1
            try:
                return app(environ, start_response)
            finally:
                with self.answered:
                    type(self).answering -= 1
                    self.answered.notify_all()

        return counted

    def get_request(self):
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    def _close_connections(self):
        """Close this thread's own connections, not the test's in-memory SQLite one that it
        shares (`connections_override`): that is the test's to close, and a kept-alive
        request ending after the test did raised "DatabaseWrapper objects created in a
        thread can only be used in that same thread" into the log."""
        shared = self.connections_override or {}
        for connection in db_connections.all(initialized_only=True):
            if connection.alias not in shared:
                connection.close()


@pytest.fixture(scope="session", autouse=True)
def _live_server_without_nagle():
    from django.test.testcases import LiveServerThread

    original = LiveServerThread.server_class
    LiveServerThread.server_class = _NoDelayServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(autouse=True)
def _requests_answered(transactional_db):
    """Let the live server finish what the browser last asked (a page that records a view,
    a request the test's last click sent) before the test's database is flushed: a write
    still running then failed the flush with "database table is locked"."""
    yield
    with _NoDelayServer.answered:
        _NoDelayServer.answered.wait_for(lambda: _NoDelayServer.answering == 0, timeout=30)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    browser = item.funcargs.get("browser")
    folder = item.funcargs.get("output_path")
    if browser is None or folder is None:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for c, context in enumerate(browser.contexts):
        for p, open_page in enumerate(context.pages):
            try:
                html = open_page.content()
            except Exception as exc:  # a closed or crashed page: say so, keep going
                html = f"<!-- could not read the page: {exc} -->"
            Path(folder, f"page-{c}-{p}.html").write_text(html)


@pytest.fixture
def log_in(live_server):
    """Log a page in through the real login form; return the page.

    `user` is a user, or the username of one the test made through the admin's pages.
    """

    def log_in(page: Page, user, password: str = PASSWORD) -> Page:
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username").fill(user if isinstance(user, str) else user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        return page

    return log_in


class PageWatch:
    """What a page did that a safe page never does: dialogs, script errors, failed requests
    for its resources, Content-Security-Policy violations."""

    def __init__(self, page: Page):
        self.page = page
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed_requests: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.add_init_script(PAGE_SPY)
        # A stuck page fails the test instead of hanging it (bounded for a busy machine).
        page.set_default_timeout(PAGE_TIMEOUT_MS)

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message):
        # A failed request is reported by URL in failed_requests, and its page may be
        # meant to fail (a 404 page); Chromium's console line for it names no URL.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def _on_response(self, response):
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_requests.append(f"{response.status} {response.url}")

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("() => window.__cspViolations || []")

    def all_dialogs(self) -> list[str]:
        """Dialogs opened (by script that ran before the spy) or asked for (after)."""
        return [*self.dialogs, *self.page.evaluate("() => window.__dialogs || []")]

    def problems(self) -> dict:
        """Return everything noticed so far (empty lists when all is well)."""
        return {
            "dialogs": self.all_dialogs(),
            "page errors": list(self.page_errors),
            "console errors": list(self.console_errors),
            "failed requests": list(self.failed_requests),
            "CSP violations": self.csp_violations(),
        }

    def clear(self):
        self.dialogs.clear()
        self.console_errors.clear()
        self.page_errors.clear()
        self.failed_requests.clear()


@pytest.fixture
def watch():
    return PageWatch
