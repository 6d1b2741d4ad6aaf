"""Bench: the compliance report for 200 people x 163 procedures x 10 revisions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/msp_sop_h14_report_bench \\
        .venv/bin/python -m tests.bench.compliance [--people 200] [--procedures 163]

Migrates the database named by DATABASE_URL (use a throwaway one: it is filled), generates
the manual (`generate_corpus`) and the people, groups and acknowledgements
(`generate_acknowledgements`) if it has none, then times, as an approver (everyone's rows)
through Django's test client, the report page, the same filtered by group, as of a past
date, and the CSV download read to its end; it prints the median of 7 of each (wall clock
and this process's CPU time) with its query count. The goal is under 300 ms for the page. `make bench` runs it after the load test
(tests/bench/run.py), in a database of its own.
"""

import argparse
import os
import statistics
import sys
import time

import django

GOAL_MS = 300


def fill(people: int, procedures: int) -> None:
    from django.core.management import call_command

    from compliance.models import Acknowledgement
    from procedures.models import Procedure

    began = time.perf_counter()
    if not Procedure.objects.exists():
        call_command("generate_corpus", "--procedures", str(procedures), "--revisions", "10",
                     verbosity=0)  # fmt: skip
    if Acknowledgement.objects.exists():
        return
    call_command("generate_acknowledgements", "--people", str(people), verbosity=0)
    from django.db import connection

    if connection.vendor == "postgresql":  # as autovacuum would soon after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - began:.1f} s", file=sys.stderr)


def time_page(client, path: str, params: dict) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, params)
    times, cpu = [], []
    for _ in range(7):
        with CaptureQueriesContext(connection) as queries:
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, params)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000, len(queries), len(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--procedures", type=int, default=163)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msp_sop.settings")
    os.environ.setdefault("SOP_DEVTOOLS", "1")  # generate_corpus, generate_acknowledgements
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    fill(args.people, args.procedures)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from compliance.models import Acknowledgement
    from procedures.models import Procedure

    approver, _ = get_user_model().objects.get_or_create(
        username="bench-approver", defaults={"is_superuser": True}
    )
    client = Client()
    client.force_login(approver)
    group = Group.objects.get(name="Technicians")
    past = (timezone.localdate() - timezone.timedelta(days=180)).isoformat()
    print(
        f"{get_user_model().objects.filter(is_active=True).count()} people, "
        f"{Procedure.objects.published().count()} published procedures, "
        f"{Acknowledgement.objects.count()} acknowledgements"
    )
    for label, path, params in [
        ("report page", "/compliance/report/", {}),
        ("by group", "/compliance/report/", {"group": group.pk}),
        ("as of -180 d", "/compliance/report/", {"as_of": past}),
        ("CSV", "/compliance/report/acknowledgements.csv", {}),
    ]:
        ms, cpu, queries, size = time_page(client, path, params)
        # CPU time of this process (the database's work not included) says more than the
        # wall clock on a loaded machine.
        print(f"{label:<13} {ms:7.1f} ms median ({cpu:.0f} ms CPU here), {queries} queries, "
              f"{size // 1024} KiB (goal for the page: under {GOAL_MS} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
