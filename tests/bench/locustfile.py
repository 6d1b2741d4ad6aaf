"""The simulated office for `make bench` (run by tests/bench/run.py, not by hand).

Phases, chosen by the user classes named on locust's command line:
- mix:       ReaderUser x50 + EditorUser x5, browsing like people (BENCH_WAIT seconds between
             pages), for per-page latency and errors;
- throughput: ThroughputUser, back to back, alternating between procedure pages and
             /bench/bare/ (the same HTML with no database work), for the ratio.

Each request is named by its page type, so locust's statistics are per page type.

Readers browse and search (queries from bench data). Editors browse too, and now and then
revise one of the real manual's procedures start to finish: start a draft, open the edit
form, save, submit, and an approver's session approves it (four-eyes: never the author).
Each editor revises only its own share of the procedures, so no two of them race for one
(the workflow's answer to that race, "out of date", is tested elsewhere, not load).

POSTs carry a CSRF token as a browser would: a cookie and the matching header. The client
picks the secret itself, as Django accepts any well-formed one (the double-submit cookie).
"""

import itertools
import json
import os
import random
import re
import secrets
import string
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode

from locust import FastHttpUser, between, constant, events, task

with open(os.environ["BENCH_DATA"]) as _fh:
    DATA = json.load(_fh)

_wait = os.environ.get("BENCH_WAIT", "0.5-2")
if "-" in _wait:
    _low, _high = (float(x) for x in _wait.split("-"))
    BROWSING_WAIT = between(_low, _high)
else:
    BROWSING_WAIT = constant(float(_wait))

_sessions = {role: itertools.cycle(DATA[role]) for role in ("readers", "editors", "approvers")}


class _Person(FastHttpUser):
    abstract = True
    role = "readers"

    def on_start(self):
        self.session = next(_sessions[self.role])
        self.cookie = f"{DATA['cookie_name']}={self.session}"

    def get(self, url: str, name: str, marker: str) -> str:
        """GET a page as this person; anything but a 200 carrying `marker` is an error."""
        with self.client.get(
            url,
            name=name,
            headers={"Cookie": self.cookie},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif marker not in text:
                response.failure(f"page lacks {marker!r}")
            return text

    def post(self, url: str, name: str, data: dict, session: str | None = None) -> str | None:
        """POST a form as this person (or as `session`); anything but a redirect is an error.
        Return where it redirects to."""
        csrf = "".join(secrets.choice(_CSRF_CHARS) for _ in range(32))
        cookie = (
            f"{DATA['cookie_name']}={session or self.session}; {DATA['csrf_cookie_name']}={csrf}"
        )
        with self.client.post(
            url,
            name=name,
            data=data,
            headers={"Cookie": cookie, "X-CSRFToken": csrf, "Referer": self.host + url},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return None
            return response.headers.get("Location")


_CSRF_CHARS = string.ascii_letters + string.digits


class _Browsing(_Person):
    abstract = True
    wait_time = BROWSING_WAIT

    @task(1)
    def contents(self):
        self.get(DATA["contents"], "contents", "Managed Services Operations Manual")

    @task(1)
    def volume(self):
        self.get(random.choice(DATA["volumes"]), "volume", "<h1>Volume ")

    @task(2)
    def section(self):
        self.get(random.choice(DATA["sections"]), "section", "<h1>Section ")

    @task(8)
    def procedure(self):
        self.get(random.choice(DATA["procedures"]), "procedure", '<article class="procedure"')

    @task(2)
    def search(self):
        query = urlencode({"q": random.choice(DATA["search_queries"])})
        self.get(f"{DATA['search_url']}?{query}", "search", "Search the manual")


class ReaderUser(_Browsing):
    fixed_count = int(os.environ.get("BENCH_READERS", "50"))


_editor_numbers = itertools.count()
_VERSION = re.compile(r'name="version" value="(\d+)"')


class EditorUser(_Browsing):
    role = "editors"
    fixed_count = int(os.environ.get("BENCH_EDITORS", "5"))

    def on_start(self):
        super().on_start()
        number = next(_editor_numbers)
        self.mine = DATA["edit_urls"][number :: self.fixed_count] or DATA["edit_urls"]
        self.edits = 0

    @task(1)
    def workflow(self):
        """Revise a procedure: start, open the form, save, submit; an approver approves."""
        procedure = random.choice(self.mine)
        edit = self.post(f"{procedure}edit/start/", "start draft", {})
        if not edit:
            return
        form = self.get(edit, "edit form", 'name="version"')
        version = _VERSION.search(form)
        if not version:
            return
        self.edits += 1
        body = f"{DATA['edit_body']}\n\nBench edit {self.edits} by {id(self)}."
        fields = {"body": body, "summary": f"Bench edit {self.edits}"}
        if not self.post(edit, "save draft", {**fields, "version": version[1], "action": "save"}):
            return
        version = int(version[1]) + 1
        if not self.post(edit, "submit", {**fields, "version": version, "action": "submit"}):
            return
        revision = edit.removesuffix("edit/")
        self.post(f"{revision}approve/", "approve", {"comment": ""}, session=DATA["approvers"][0])


class ThroughputUser(_Person):
    """Back to back, alternating every BENCH_SLICE seconds between procedure pages and
    /bench/bare/ (the same HTML with no database work), so that both meet the same machine:
    this one is shared, and whatever else runs on it touches both alike.

    Counts requests by the slice they started in and writes them to BENCH_SLICES_OUT;
    tests/bench/run.py turns the full slices into requests per second.
    """

    wait_time = constant(0)

    @task
    def alternate(self):
        index = int(time.time() / SLICE)
        if not STARTED.is_set() or index <= FIRST_SLICE[0]:
            index = -1  # before everyone has arrived: not counted
        if index % 2 == 0:
            self.get(random.choice(DATA["procedures"]), "procedure", '<article class="procedure"')
            SLICES[index]["procedure"] += 1
        else:
            self.get("/bench/bare/", "bare view", '<article class="procedure"')
            SLICES[index]["bare view"] += 1


SLICE = float(os.environ.get("BENCH_SLICE", "2"))
SLICES: dict[int, Counter] = defaultdict(Counter)
STARTED = threading.Event()
FIRST_SLICE = [0]


@events.spawning_complete.add_listener
def _everyone_arrived(user_count, **kwargs):
    FIRST_SLICE[0] = int(time.time() / SLICE)
    STARTED.set()


@events.quitting.add_listener
def _write_slices(environment, **kwargs):
    if os.environ.get("BENCH_SLICES_OUT"):
        with open(os.environ["BENCH_SLICES_OUT"], "w") as fh:
            json.dump({"slice": SLICE, "counts": {k: v for k, v in SLICES.items() if k >= 0}}, fh)
