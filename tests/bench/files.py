"""`make bench-files`: how many screenshots a second the app serves, against nginx.

A throwaway PostgreSQL database (or BENCH_DATABASE_URL) gets one approved procedure showing
a 1366 x 768 PNG screenshot and a reader with a session; then locust fetches that image back
to back (BENCH_USERS users, BENCH_SECONDS per phase, 127.0.0.1 only) from:

1. *app*: gunicorn (BENCH_WORKERS sync workers, production settings) sending the bytes;
2. *app + X-Accel*: nginx in front of a second gunicorn with SOP_ATTACHMENT_X_ACCEL_PREFIX:
   the app checks the session and the policy and sets the headers, nginx sends the file;
3. *nginx alone*: nginx serving the same file from disk, no login, no checks: the ceiling.

Needs nginx (`apt-get install nginx-light`) and the local PostgreSQL. Reports requests/s,
p50/p95/p99 and each phase's share of nginx alone; fails on any failed request.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.run import (
    PY,
    ROOT,
    admin_dsn,
    fetch,
    free_port,
    log,
    pg,
    run_locust,
    server_env,
    table,
)

NGINX_CONF = """\
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path {workdir}/nginx-tmp/body;
    proxy_temp_path {workdir}/nginx-tmp/proxy;
    fastcgi_temp_path {workdir}/nginx-tmp/fastcgi;
    uwsgi_temp_path {workdir}/nginx-tmp/uwsgi;
    scgi_temp_path {workdir}/nginx-tmp/scgi;
    upstream app {{ server 127.0.0.1:{app_port}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{nginx_port};
        # The ceiling: the same file straight from disk, nobody asked.
        location /plain/ {{ alias {media}/; }}
        # What the app hands over with X-Accel-Redirect: never reachable from outside.
        location /protected-media/ {{ internal; alias {media}/; }}
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""


def setup(out: str) -> None:
    """Run inside the bench database: a procedure with a screenshot, a reader's session."""
    import io
    import random

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image, ImageDraw

    from attachments.transitions import attachment_upload, record_revision_attachments
    from procedures import workflow
    from procedures.models import Procedure, Revision, Section, Volume
    from tests.bench.setup_data import session_cookie

    def person(name: str, group: str):
        user = get_user_model().objects.create_user(name, f"{name}@example.test")
        user.groups.add(Group.objects.get(name=group))  # the groups of migration 0002
        return user

    editor, approver, reader = (
        person("editor", "Editors"),
        person("approver", "Approvers"),
        person("reader", "Readers"),
    )
    volume = Volume.objects.create(number=1, title="Operations")
    section = Section.objects.create(volume=volume, numeral="I", title="Desk", position=1)
    procedure = Procedure.objects.create(
        section=section, title="Screens", slug="screens", position=1
    )
    # A screenshot-like image: flat panels, lines of "text" (noise keeps it honest in size).
    rng = random.Random(1)
    image = Image.new("RGB", (1366, 768), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    for y in range(40, 760, 18):
        x = 20
        while x < 1300:
            width = rng.randint(10, 80)
            shade = rng.randint(20, 120)
            draw.rectangle([x, y, x + width, y + 9], fill=(shade, shade, shade + 40))
            x += width + rng.randint(4, 12)
    out_png = io.BytesIO()
    image.save(out_png, "PNG")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    result = attachment_upload(
        revision=draft, user=editor, upload=SimpleUploadedFile("screen.png", out_png.getvalue())
    )
    draft = workflow.revision_save_draft(
        revision=draft, user=editor, body=f"# Screens\n\n{result.markdown}\n",
        summary="Screenshot", expected_version=draft.version,
    )  # fmt: skip
    record_revision_attachments(revision=draft)
    workflow.revision_submit(revision=draft, user=editor)
    workflow.revision_approve(revision=Revision.objects.get(pk=draft.pk), user=approver)
    from django.conf import settings

    Path(out).write_text(
        json.dumps(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie(reader)}",
                "url": result.attachment.get_absolute_url(),
                "stored": result.attachment.file.name,
                "size": result.attachment.size,
                "at": timezone.now().isoformat(),
            }
        )
    )


def gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [PY, "-m", "gunicorn", "msp_sop.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning", "--keep-alive", "5"],
        env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip


def wait_until(url: str, cookie: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fetch(url, cookie)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 15)))
    parser.add_argument("--users", type=int, default=int(os.environ.get("BENCH_USERS", 20)))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 2)))
    args = parser.parse_args(argv)
    nginx = shutil.which("nginx")
    if not nginx:
        raise SystemExit("nginx is needed: apt-get install nginx-light")
    db_url = (
        os.environ.get("BENCH_DATABASE_URL")
        or f"postgres://postgres@127.0.0.1:5432/msp_sop_bench_files_{os.getpid()}"
    )
    maintenance_url, db_name = admin_dsn(db_url)
    workdir = Path(tempfile.mkdtemp(prefix="sop-bench-files-"))
    (workdir / "nginx-tmp").mkdir()
    media = workdir / "var" / "media"
    # nginx's workers (not root) read the media folder: made here, before Django's cache
    # makes var/ private.
    media.mkdir(parents=True)
    for folder in (workdir, workdir / "var", media):
        folder.chmod(0o755)
    app_port, accel_port, nginx_port = free_port(8766), free_port(0), free_port(0)
    env = {
        **server_env(db_url, workdir),
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }
    pg(maintenance_url, f'DROP DATABASE IF EXISTS "{db_name}"')
    pg(maintenance_url, f'CREATE DATABASE "{db_name}"')
    processes: list[subprocess.Popen] = []
    nginx_conf = workdir / "nginx.conf"
    results = {}
    try:
        log(f"setting up {db_name} in {workdir}")
        for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([PY, "manage.py", *command], env=env, cwd=ROOT, check=True)
        subprocess.run(
            [PY, "-m", "tests.bench.files", "--setup", str(workdir / "data.json")],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        data = json.loads((workdir / "data.json").read_text())
        processes.append(gunicorn(env, app_port, args.workers))
        accel_env = {**env, "SOP_ATTACHMENT_X_ACCEL_PREFIX": "/protected-media/"}
        processes.append(gunicorn(accel_env, accel_port, args.workers))
        nginx_conf.write_text(
            NGINX_CONF.format(
                workdir=workdir, app_port=accel_port, nginx_port=nginx_port, media=media
            )
        )
        processes.append(
            subprocess.Popen(
                [nginx, "-p", str(workdir), "-c", str(nginx_conf), "-g", "daemon off;"],
                start_new_session=True,
            )
        )
        phases = {
            "app": (f"http://127.0.0.1:{app_port}", data["url"]),
            "app + X-Accel": (f"http://127.0.0.1:{nginx_port}", data["url"]),
            "nginx alone": (f"http://127.0.0.1:{nginx_port}", "/plain/" + data["stored"]),
        }
        expected = (media / data["stored"]).read_bytes()
        for name, (host, path) in phases.items():
            body = wait_until(host + path, data["cookie"])
            assert body == expected, f"{name} did not send the stored file"
        for number, (name, (host, path)) in enumerate(phases.items(), 1):
            log(f"phase {number}/3: {name}, {args.users} users back to back, {args.seconds} s")
            phase_env = {**env, "BENCH_COOKIE": data["cookie"], "BENCH_FILE_URL": path}
            rows = run_locust(
                phase_env, workdir, f"files-{number}", ["FileUser"],
                args.users, args.seconds, host, locustfile="tests/bench/locust_files.py",
            )  # fmt: skip
            results[name] = rows
    finally:
        for process in reversed(processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except ProcessLookupError:
                pass
        pg(maintenance_url, f'DROP DATABASE IF EXISTS "{db_name}"')
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n== {data['size']:,}-byte PNG, {args.users} users back to back, {args.seconds} s each")
    lines = ["phase          " + table({}, [])[0][14:]]
    ceiling = float(results["nginx alone"]["image"]["Requests/s"]) or 1.0
    errors = 0
    for name, rows in results.items():
        row = {**rows["image"]}
        errors += int(row["Failure Count"])
        line = table({name: row}, [name])[1]
        lines.append(f"{line}   {float(row['Requests/s']) / ceiling:>5.0%} of nginx alone")
    print("\n".join(lines))
    print(f"errors: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--setup":
        setup(sys.argv[2])
    else:
        sys.exit(main())
