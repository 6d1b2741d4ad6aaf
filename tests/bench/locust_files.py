"""locust users for `make bench-files`: one stored screenshot fetched back to back, with a
reader's session, from the address in BENCH_FILE_URL (the host decides who answers)."""

import os

from locust import FastHttpUser, constant, task


class FileUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.client.cookies = None  # FastHttpUser keeps none we did not set
        self.headers = {"Cookie": os.environ["BENCH_COOKIE"]}

    @task
    def image(self):
        with self.client.get(
            os.environ["BENCH_FILE_URL"], headers=self.headers, name="image", catch_response=True
        ) as response:
            if response.status_code != 200 or len(response.content or b"") < 1000:
                response.failure(f"{response.status_code}, {len(response.content or b'')} bytes")
