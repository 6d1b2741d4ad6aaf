"""The simulated office for `make bench` (run by tests/bench/run.py, not by hand).

Phases, chosen by the user classes named on locust's command line:
- mix:       ReaderUser x50 + EditorUser x5, browsing like people (BENCH_WAIT seconds between
             pages), for per-page latency and errors;
- throughput: ThroughputUser, back to back, alternating between procedure pages and
             /bench/bare/ (the same HTML with no database work), for the ratio.

Each request is named by its page type, so locust's statistics are per page type.

Hooks for later features (each marked HOOK below):
- search (issue 5): add the search URL and queries to bench data ("search_queries") and the
  reader's `search` task uses them;
- editing and approval (issue 3): EditorUser.workflow saves a draft, submits and approves
  once bench data carries "edit_urls"; until then editors browse like readers.
"""

import itertools
import json
import os
import random
import threading
import time
from collections import Counter, defaultdict

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
        self.cookie = f"{DATA['cookie_name']}={next(_sessions[self.role])}"

    def get(self, url: str, name: str, marker: str):
        """GET a page as this person; anything but a 200 carrying `marker` is an error."""
        with self.client.get(
            url,
            name=name,
            headers={"Cookie": self.cookie},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif marker not in (response.text or ""):
                response.failure(f"page lacks {marker!r}")


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
        self.get(random.choice(DATA["procedures"]), "procedure", '<article class="procedure">')

    @task(2)
    def search(self):
        # HOOK (issue 5): once bench data has "search_url" and "search_queries", search.
        if not DATA.get("search_queries"):
            return self.procedure()
        query = random.choice(DATA["search_queries"])
        self.client.get(
            DATA["search_url"],
            params={"q": query},
            name="search",
            headers={"Cookie": self.cookie},
        )


class ReaderUser(_Browsing):
    fixed_count = int(os.environ.get("BENCH_READERS", "50"))


class EditorUser(_Browsing):
    role = "editors"
    fixed_count = int(os.environ.get("BENCH_EDITORS", "5"))

    @task(3)
    def workflow(self):
        # HOOK (issue 3): once bench data has "edit_urls", open the edit form, save a draft,
        # submit it, and let an approver session approve it; until then, browse.
        if not DATA.get("edit_urls"):
            return self.procedure()
        raise NotImplementedError("editor workflow load: add it with the workflow views")


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
            self.get(random.choice(DATA["procedures"]), "procedure", '<article class="procedure">')
            SLICES[index]["procedure"] += 1
        else:
            self.get("/bench/bare/", "bare view", '<article class="procedure">')
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
