"""Bench: the runs list's first page with 100,000 runs (400,000 steps).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/msp_sop_h16_bench \\
        .venv/bin/python -m tests.bench.checklists [--runs 100000]

Migrates the database named by DATABASE_URL (use a throwaway one: it is filled), creates
the runs in bulk if it has fewer, then times GET /runs/ (unfiltered, by client, overdue) as
a logged-in reader through Django's test client, and prints the median of 15 of each with
its query count. The goal is under 200 ms for the first page.
"""

import argparse
import datetime
import os
import statistics
import sys
import time

import django


def fill(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from checklists.models import Client, Run, Step
    from procedures.models import Procedure, Revision, Section, Volume

    have = Run.objects.count()
    if have >= count:
        return
    user, _ = get_user_model().objects.get_or_create(username="bench-tech")
    volume, _ = Volume.objects.get_or_create(number=90, defaults={"title": "Bench"})
    section, _ = Section.objects.get_or_create(
        volume=volume, numeral="I", defaults={"title": "Bench", "position": 1}
    )
    procedures, revisions = [], []
    for n in range(20):
        procedure, _ = Procedure.objects.get_or_create(
            section=section, slug=f"bench-{n}", defaults={"title": f"Bench {n}", "position": n}
        )
        revision = procedure.current_revision or Revision.objects.create(
            procedure=procedure, number=1, body="- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n",
            author=user, reviewer=user, status=Revision.Status.APPROVED,
            submitted_at=timezone.now(), reviewed_at=timezone.now(),
        )  # fmt: skip
        procedure.current_revision = revision
        procedure.save(update_fields=["current_revision"])
        procedures.append(procedure)
        revisions.append(revision)
    clients = [
        Client.objects.get_or_create(code=f"B{n}", defaults={"name": f"Bench client {n}"})[0]
        for n in range(200)
    ]
    start = timezone.now() - datetime.timedelta(days=365)
    batch = 5000
    for offset in range(have, count, batch):
        runs = Run.objects.bulk_create(
            Run(
                procedure=procedures[i % 20], revision=revisions[i % 20],
                client=clients[i % 200], started_by=user, ticket=f"T-{i}",
                started_at=start + datetime.timedelta(minutes=5 * i),
                due_date=(start + datetime.timedelta(days=i % 400)).date(),
            )
            for i in range(offset, min(offset + batch, count))
        )  # fmt: skip
        Step.objects.bulk_create(
            Step(run=run, position=p, html=f"step {p}") for run in runs for p in range(1, 5)
        )
        print(f"{offset + len(runs)} runs", file=sys.stderr)
    from django.db import connection

    if connection.vendor == "postgresql":  # as autovacuum would soon after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE checklists_run; ANALYZE checklists_step")


def time_page(client, path: str, params: dict) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, params)
    times = []
    for _ in range(15):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(path, params)
            times.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msp_sop.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    # Static URLs without a collectstatic manifest (the page's work is what is timed).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    fill(args.runs)
    from django.contrib.auth import get_user_model

    from checklists.models import Client as Customer

    reader = get_user_model().objects.get(username="bench-tech")
    client = Client()
    client.force_login(reader)
    customer = Customer.objects.get(code="B7")
    for label, params in [
        ("first page", {}),
        ("by client", {"client": customer.pk}),
        ("overdue", {"status": "overdue"}),
        ("page 100", {"page": 100}),
    ]:
        ms, queries = time_page(client, "/runs/", params)
        print(f"/runs/ {label:<12} {ms:7.1f} ms median, {queries} queries")


if __name__ == "__main__":
    main()
