"""Two app servers, one database, one Redis: what one of them changes, the other serves next.

The production layout with several app hosts, on one machine: two gunicorn servers (A and B),
each with its own local state (SOP_VAR_DIR, process memory), share a throwaway database (a
new PostgreSQL database when the suite runs on PostgreSQL, else an SQLite file) and one
Redis (CACHE_URL). Everything happens through HTTP as people would do it: a reader warms
B's caches, editors and approvers change things through A (the real forms, and the admin for
a role), and the reader's next request to B must show the change.

Redis: MULTIHOST_REDIS_URL, default redis://127.0.0.1:6379/12, under a key prefix of this
run's own (its keys are deleted afterwards; nothing else is touched). Not reachable: the
test fails, it is not skipped; CI starts Redis (.ci/run). MULTIHOST_CACHE_URL gives both
servers another default cache instead: with locmem:// (each process its own memory) this
test must fail, which shows it tests the shared cache.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("MULTIHOST_REDIS_URL", "redis://127.0.0.1:6379/12")
# Bounds, generous for a busy 2-core machine; each is a total, not a per-try timeout.
SETUP_SECONDS = 600  # migrate, load the contents, collect static files
START_SECONDS = 120  # a server answering its first request
REQUEST_SECONDS = 60  # one request (the first builds every cache)

FORM_ERRORS = re.compile(r'class="errorlist[^>]*>(.*?)</ul>', re.S)
SEED = """
import json, os
from django.contrib.auth.models import Group, User
password = os.environ["MULTIHOST_PASSWORD"]
people = {
    "reader": "Readers", "editor": "Editors", "author": "Editors",
    "approver": "Approvers", "second_approver": "Approvers", "root": None,
}
pks = {}
for username, group in people.items():
    user = User.objects.create_user(username, password=password, first_name=username.title())
    if group:
        user.groups.add(Group.objects.get(name=group))
    else:
        user.is_staff = user.is_superuser = True
        user.save()
    pks[username] = user.pk
print(json.dumps(pks))
"""


def clean_environ() -> dict:
    """This process's environment without what the suite set for itself."""
    drop = ("DJANGO_", "DATABASE_URL", "CACHE_", "SOP_", "DEBUG", "SECURE_", "MULTIHOST_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def run(command: list[str], env: dict, timeout: float = SETUP_SECONDS) -> str:
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


def start_server(name: str, env: dict, folder: Path) -> Server:
    port = free_port()
    log = folder / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "msp_sop.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return Server(name, port, process, log)


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=30)


def wait_until_serving(server: Server) -> None:
    """Poll until the server answers anything, within START_SECONDS in all."""
    deadline = time.monotonic() + START_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"server {server.name} exited:\n{server.output}")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.request("GET", "/accounts/login/")
            connection.getresponse().read()
            return
        except (OSError, http.client.HTTPException) as exc:  # not listening yet, or slow
            last_error = exc
            time.sleep(0.25)
        finally:
            connection.close()
    pytest.fail(
        f"server {server.name} did not answer within {START_SECONDS} s ({last_error!r}):\n"
        f"{server.output}"
    )


class FormFields(HTMLParser):
    """The fields a browser would send from the form posting to `action` (a path); a form
    without an action posts to its own page, `page`."""

    def __init__(self, action: str, page: str):
        super().__init__()
        self.action = action
        self.page = page
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.options: dict[str, dict[str, str]] = {}  # select name -> option text -> value
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            target = urlsplit(attrs.get("action", "")).path or self.page
            self.inside = target.endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self.fields.append((attrs["name"], attrs.get("value", default)))
        elif tag == "select":
            self._select = attrs.get("name")
            self.options.setdefault(self._select, {})
        elif tag == "option" and self._select:
            self._option = (attrs.get("value", ""), "selected" in attrs)
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._option and self._select:
            value, selected = self._option
            self.options[self._select][data.strip()] = value
            if selected:
                self.fields.append((self._select, value))
            self._option = None
        elif self._textarea:
            name, text = self.fields.pop()
            self.fields.append((name, text + data))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea and self.fields[-1][1].startswith("\n"):
                name, text = self.fields.pop()  # the newline HTML drops after <textarea>
                self.fields.append((name, text[1:]))
            self._textarea = None


def form_fields(html: str, action: str, page: str = "") -> FormFields:
    parser = FormFields(action, page)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action} on the page"
    return parser


@dataclass
class Person:
    """One browser: its own cookies, sent to whichever server it asks (as with two hosts
    behind one name, cookies do not depend on the port)."""

    username: str
    password: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, server: Server, method: str, path: str, data=None):
        headers = {}
        body = None
        if method == "POST":
            # Django's double-submit check: a well-formed secret in the cookie and header.
            csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in "x" * 32)
            self.cookies["csrftoken"] = csrf
            headers["X-CSRFToken"] = csrf
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # A form's own token belongs to the cookie it came with: send the new one.
            pairs = list(data.items() if isinstance(data, dict) else data or [])
            pairs = [(k, csrf if k == "csrfmiddlewaretoken" else v) for k, v in pairs]
            body = urlencode(pairs, doseq=True)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def get(self, server: Server, path: str, expect: int = 200) -> str:
        status, location, text = self.request(server, "GET", path)
        assert status == expect, f"{self.username} GET {path} on {server.name}: {status} {location}"
        return text

    def post(self, server: Server, path: str, data) -> str:
        """POST a form; it must redirect (every state change does). Return where to."""
        status, location, text = self.request(server, "POST", path, data)
        assert status == 302, (
            f"{self.username} POST {path} on {server.name}: {status}\n"
            f"{FORM_ERRORS.findall(text) or text[-2000:]}\n"
            f"server log:\n{server.output}"
        )
        return urlsplit(location).path

    def log_in(self, server: Server) -> Person:
        self.get(server, "/accounts/login/")
        where = self.post(
            server, "/accounts/login/", {"username": self.username, "password": self.password}
        )
        assert not where.startswith("/accounts/login/"), f"{self.username} could not log in"
        return self


def publish(author: Person, approver: Person, server: Server, procedure: str, body: str) -> None:
    """Through the real forms: start a draft, save it, submit it; another person approves."""
    edit = author.post(server, f"{procedure}edit/start/", {})
    form = form_fields(author.get(server, edit), edit)
    fields = dict(form.fields)
    version = int(fields["version"])
    fields.update(body=body, summary="Multi-host test", version=version, action="save")
    author.post(server, edit, fields)
    fields.update(version=version + 1, action="submit")
    author.post(server, edit, fields)
    revision = edit.removesuffix("edit/")
    review = approver.get(server, f"{revision}review/")
    approve = f"{revision}approve/"
    approver.post(server, approve, dict(form_fields(review, approve).fields))


@pytest.fixture
def redis_prefix():
    """A key prefix of this run's own in the test Redis; its keys are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5, socket_timeout=10)
    try:
        client.ping()
    except redis.RedisError as exc:
        problem = f"{type(exc).__name__}: {exc}"
    else:
        problem = None
    if problem:  # outside the except: one clear message, not redis-py's traceback
        pytest.fail(
            f"Redis is needed at {REDIS_URL} (MULTIHOST_REDIS_URL) and does not answer "
            f"({problem}). Start it, e.g. redis-server --daemonize yes --bind 127.0.0.1 "
            "--port 6379 (.ci/run does)"
        )
    prefix = f"sop-multihost-{secrets.token_hex(6)}"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}:*", count=500):
        client.delete(key)
    client.close()


@pytest.fixture
def workdir():
    """A folder for this test's files (servers' state, logs, SQLite), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="sop-multihost-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(workdir):
    """A throwaway database of the suite's kind, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{workdir / 'shared.sqlite3'}"
        return
    import psycopg2

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_mh_{secrets.token_hex(4)}"[:63]
    maintenance_url = parts._replace(path="/postgres").geturl()

    def maintenance(sql: str) -> None:
        connection = psycopg2.connect(maintenance_url, connect_timeout=30)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
        connection.close()

    maintenance(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        # The servers are stopped by now; FORCE ends any connection left behind all the same.
        maintenance(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def servers(workdir, database_url, redis_prefix):
    """Servers A and B: one database, one Redis, each its own folder and memory."""
    password = secrets.token_urlsafe(16)
    common = {
        **clean_environ(),
        "DATABASE_URL": database_url,
        "CACHE_URL": os.environ.get("MULTIHOST_CACHE_URL", REDIS_URL),
        "CACHE_KEY_PREFIX": redis_prefix,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "SOP_VAR_DIR": str(workdir / "setup"),
        "MULTIHOST_PASSWORD": password,
    }
    run(["manage.py", "migrate", "--noinput", "-v0"], common)
    run(["manage.py", "loaddata", str(ROOT / "fixtures" / "manual.json"), "-v0"], common)
    pks = json.loads(run(["manage.py", "shell", "--no-imports", "-c", SEED], common))
    run(["manage.py", "collectstatic", "--noinput", "-v0"], common)
    started: list[Server] = []
    try:
        for name in ("A", "B"):
            var = workdir / name
            var.mkdir()
            (var / "staticfiles").symlink_to(workdir / "setup" / "staticfiles")
            env = {**common, "SOP_VAR_DIR": str(var)}
            del env["MULTIHOST_PASSWORD"]
            started.append(start_server(name, env, workdir))
        for server in started:
            wait_until_serving(server)
        people = {username: Person(username, password) for username in pks}
        yield started[0], started[1], people, pks
    finally:
        for server in started:
            stop_server(server)


def test_what_is_changed_through_one_server_is_what_the_other_serves_next(servers):
    a, b, people, pks = servers
    reader = people["reader"].log_in(b)
    editor = people["editor"].log_in(a)
    author = people["author"].log_in(a)
    approver = people["approver"].log_in(a)
    second_approver = people["second_approver"].log_in(a)
    procedure = "/manual/1/i/introduction-to-sops-for-technical-consultants-and-msps/"
    word = secrets.token_hex(4)

    # An approved text, then the reader reads it and the contents through B, twice (the
    # second time from B's caches).
    publish(author, approver, a, procedure, f"First text zebra{word}.\n")
    for _ in range(2):
        assert f"zebra{word}" in reader.get(b, procedure)
        contents = reader.get(b, "/")
    assert f"New procedure {word}" not in contents

    # A new revision approved through A (a second approver, four-eyes); a procedure added.
    publish(editor, second_approver, a, procedure, f"Second text yak{word}.\n")
    editor.get(a, "/manual/1/i/new/")
    editor.post(a, "/manual/1/i/new/", {"title": f"New procedure {word}"})

    page = reader.get(b, procedure)
    assert f"yak{word}" in page and f"zebra{word}" not in page, "B served the old text"
    assert f"New procedure {word}" in reader.get(b, "/"), "B's contents lack the new procedure"

    # The editor may add procedures through B; the administrator takes them out of Editors
    # through A's admin; B refuses them at once.
    editor.get(b, "/manual/1/i/new/")
    root = people["root"].log_in(a)
    change = f"/admin/auth/user/{pks['editor']}/change/"
    form = form_fields(root.get(a, change), change, page=change)
    editors = form.options["groups"]["Editors"]
    fields = [(k, v) for k, v in form.fields if not (k == "groups" and v == editors)]
    assert len(fields) == len(form.fields) - 1, "the editor was not in Editors"
    root.post(a, change, [*fields, ("_save", "Save")])
    editor.get(b, "/manual/1/i/new/", expect=403)
