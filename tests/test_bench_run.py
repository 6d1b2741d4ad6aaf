"""tests/bench/run.py's wait for gunicorn, which must survive a slow first answer."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.bench.run import wait_for


class Running:
    """Stands for the gunicorn process: still running."""

    returncode = None

    def poll(self):
        return None


class Exited(Running):
    returncode = 3

    def poll(self):
        return 3


@pytest.fixture
def slow_first_answer():
    """A server whose first answer takes longer than one try of the wait allows."""
    answered = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if not answered:
                answered.append("slow")
                time.sleep(1.5)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", answered
    server.shutdown()
    server.server_close()


def test_a_first_answer_slower_than_one_try_is_waited_for(slow_first_answer):
    url, answered = slow_first_answer
    wait_for(url, Running(), timeout=60, attempt=0.5)  # the first try times out: retried
    assert answered == ["slow"]


def test_no_answer_within_the_total_says_so():
    with pytest.raises(SystemExit, match=r"did not answer .* within 1 s \(last: "):
        wait_for("http://127.0.0.1:9/", Running(), timeout=1, attempt=0.5)


def test_a_server_that_exited_is_not_waited_for():
    with pytest.raises(SystemExit, match="exited with status 3"):
        wait_for("http://127.0.0.1:9/", Exited(), timeout=60)
