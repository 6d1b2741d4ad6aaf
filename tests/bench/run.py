"""`make bench` / `make bench-smoke`: load-test the reading site under gunicorn with locust.

1. a throwaway PostgreSQL database (or BENCH_DATABASE_URL) gets the real table of contents,
   an approved body on every procedure, 50 readers and 5 editors with sessions
   (tests/bench/setup_data.py);
2. gunicorn serves the site on 127.0.0.1:BENCH_PORT with production settings plus
   SOP_DEVTOOLS=1 and SOP_BENCH_HTML, which add /bench/bare/: a saved procedure page served
   with no database work;
3. locust (headless, bounded time, traffic to 127.0.0.1 only) runs three phases:
   mix (50 readers + 5 editors browsing), procedure pages back to back, the bare view back
   to back; then this prints requests/s, p50/p95/p99 per page type, errors, and the ratio
   of procedure-page throughput to the bare view's;
4. (not with --smoke) the compliance report is timed in a database of its own
   (tests/bench/compliance.py: 200 people x 163 procedures x 10 revisions).

Exits non-zero on any failed request. The performance goals are reported, not enforced
(timing depends on the machine and on what else runs on it).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
GOALS = {"p95_procedure_ms": 150, "ratio": 0.60}


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def admin_dsn(url: str) -> tuple[str, str]:
    """Split a postgres URL into (URL of the `postgres` maintenance db, database name)."""
    base, _, name = url.rpartition("/")
    return f"{base}/postgres", name


def pg(url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def free_port(preferred: int) -> int:
    """Return `preferred` if nothing listens there, else a port the system picks."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise SystemExit("no free port on 127.0.0.1")


def server_env(db_url: str, workdir: Path) -> dict:
    """Return the environment of a benchmarked server: production settings on plain HTTP
    (loopback only), a throwaway secret key and its own var/ folder."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "msp_sop.settings",
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SOP_VAR_DIR": str(workdir / "var"),
    }


def wait_for(url: str, server: subprocess.Popen, timeout: float, attempt: float = 15) -> None:
    """Wait until the server answers `url`, `timeout` seconds at most in all.

    On a busy machine the first answer can take longer than one try allows: every way a
    try can fail (refused, reset, timed out, a 5xx while the worker starts) is retried, each
    try given what is left of the total, up to `attempt` seconds.
    """
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while (left := deadline - time.monotonic()) > 0:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=min(attempt, left)).read()  # noqa: S310
            return
        except urllib.error.HTTPError as exc:  # it answered, with an error status
            if exc.code < 500:
                return
            last = f"HTTP {exc.code}"
        except (OSError, http.client.HTTPException) as exc:  # URLError, TimeoutError, ...
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(min(0.5, max(deadline - time.monotonic(), 0)))
    raise SystemExit(
        f"gunicorn did not answer {url} within {timeout:.0f} s (last: {last}); "
        "a busy machine may need BENCH_START_TIMEOUT=300"
    )


def stop(server: subprocess.Popen) -> None:
    """Stop gunicorn and its workers: TERM, then KILL if they are still there after 30 s."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def fetch(url: str, cookie: str) -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    # The first page builds every cache; on a busy machine that takes a while.
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.read()


def run_locust(
    env: dict,
    workdir: Path,
    phase: str,
    users: list[str],
    count: int,
    seconds: int,
    host: str,
    ramp: float = 2,
    locustfile: str = "tests/bench/locustfile.py",
) -> dict:
    """Run one headless locust phase and return its per-name statistics.

    People arrive over `ramp` seconds (not all in the same millisecond, which would measure
    one artificial queue), and the statistics start once all have arrived.
    """
    prefix = workdir / phase
    command = [
        PY, "-m", "locust", "-f", str(ROOT / locustfile), *users,
        "--headless", "--host", host, "-u", str(count), "-r", f"{count / ramp:.1f}",
        "--reset-stats", "-t", f"{seconds + ramp:.0f}s", "--stop-timeout", "5", "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    result = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120
    )
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
        raise SystemExit(f"locust phase {phase} failed to run")
    with open(f"{prefix}_stats.csv") as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    failures_path = Path(f"{prefix}_failures.csv")
    rows["_failures"] = failures_path.read_text() if failures_path.exists() else ""
    return rows


def slice_rates(path: Path) -> dict:
    """Return requests/s per page type over the whole slices of the throughput phase."""
    data = json.loads(path.read_text())
    counts = {int(index): names for index, names in data["counts"].items()}
    if counts:
        counts.pop(max(counts))  # the last slice was cut short by the end of the run
    totals: dict = {"slices": len(counts)}
    for names in counts.values():
        for name, count in names.items():
            totals.setdefault(name, []).append(count)
    for name in ("procedure", "bare view"):
        per_slice = totals.get(name, [])
        totals[name] = sum(per_slice) / (len(per_slice) * data["slice"]) if per_slice else 0.0
    return totals


def table(rows: dict, names: list[str]) -> list[str]:
    lines = [
        f"{'page type':<14}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50':>7}{'p95':>7}{'p99':>7}"
    ]
    for name in names:
        row = rows.get(name)
        if not row:
            continue
        lines.append(
            f"{name:<14}{row['Request Count']:>9}{row['Failure Count']:>8}"
            f"{float(row['Requests/s']):>9.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
        )
    return lines


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    """Run the load test in a temporary folder, removed on every way out: success, failure,
    Ctrl-C, or SIGTERM (a CI timeout), which runs the same clean-up as Ctrl-C."""
    signal.signal(signal.SIGTERM, _terminated)
    workdir = Path(tempfile.mkdtemp(prefix="sop-bench-"))
    try:
        return bench(argv, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def compliance_report(maintenance_url: str, env: dict) -> None:
    """Time the compliance report (tests/bench/compliance.py: 200 people x 163 procedures x
    10 revisions) in a throwaway database of its own, and print its figures."""
    name = f"msp_sop_bench_compliance_{os.getpid()}"
    url = f"{maintenance_url.rpartition('/')[0]}/{name}"
    print("\n== compliance report (Django test client, median of 7)", flush=True)
    pg(maintenance_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg(maintenance_url, f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [PY, "-m", "tests.bench.compliance"], env={**env, "DATABASE_URL": url}, cwd=ROOT,
            check=True, timeout=900,
        )  # fmt: skip
    finally:
        pg(maintenance_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def compliance_main() -> int:
    """`make bench-compliance`: only the compliance report's timing."""
    with tempfile.TemporaryDirectory(prefix="msp_sop_bench_") as workdir:
        maintenance = "postgres://postgres@127.0.0.1:5432/postgres"
        env = {**server_env(maintenance, Path(workdir)), "PYTHONPATH": str(ROOT)}
        compliance_report(maintenance, env)
    return 0


def bench(argv, workdir: Path) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="~15 s run that fails on errors")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 30)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 2)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 1)))
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--wait", default=os.environ.get("BENCH_WAIT", "0.5-2"))
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=float(os.environ.get("BENCH_START_TIMEOUT", 120)),
        help="seconds gunicorn may take to answer its first request, in all",
    )
    args = parser.parse_args(argv)
    mix_seconds = 8 if args.smoke else args.seconds
    throughput_seconds = 6 if args.smoke else args.seconds

    db_url = (
        os.environ.get("BENCH_DATABASE_URL")
        or f"postgres://postgres@127.0.0.1:5432/msp_sop_bench_{os.getpid()}"
    )
    maintenance_url, db_name = admin_dsn(db_url)
    args.port = free_port(args.port)
    host = f"http://127.0.0.1:{args.port}"
    env = {
        **server_env(db_url, workdir),
        "SOP_DEVTOOLS": "1",
        "SOP_BENCH_HTML": str(workdir / "bare.html"),
        "LOG_LEVEL": "WARNING",
        "BENCH_DATA": str(workdir / "bench.json"),
        "BENCH_READERS": str(args.readers),
        "BENCH_EDITORS": str(args.editors),
        "BENCH_WAIT": args.wait,
        "BENCH_SLICE": os.environ.get("BENCH_SLICE", "2"),
        "BENCH_SLICES_OUT": str(workdir / "slices.json"),
        "PYTHONPATH": str(ROOT),
    }
    server = None
    try:
        # The bench database is made afresh and dropped afterwards, named or not.
        pg(maintenance_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        pg(maintenance_url, f'CREATE DATABASE "{db_name}"')
        log(f"setting up {db_name} in {workdir}")
        subprocess.run(
            [PY, "-m", "tests.bench.setup_data", env["BENCH_DATA"],
             "--readers", str(args.readers), "--editors", str(args.editors)],
            env=env, cwd=ROOT, check=True, timeout=600,
        )  # fmt: skip
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env, cwd=ROOT, check=True, timeout=600,
        )  # fmt: skip
        log(f"gunicorn: {args.workers} workers x {args.threads} threads on {host}")
        server = subprocess.Popen(
            [PY, "-m", "gunicorn", "msp_sop.wsgi", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.workers), "--threads", str(args.threads),
             "--worker-class", "gthread" if args.threads > 1 else "sync",
             "--log-level", "warning", "--keep-alive", "5"],
            env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        wait_for(f"{host}/accounts/login/", server, args.start_timeout)
        data = json.loads(Path(env["BENCH_DATA"]).read_text())
        cookie = f"{data['cookie_name']}={data['readers'][0]}"
        (workdir / "bare.html").write_bytes(fetch(host + data["procedures"][0], cookie))

        users = args.readers + args.editors
        log(f"phase 1/2: {args.readers} readers + {args.editors} editors, {mix_seconds} s")
        mix = run_locust(
            env, workdir, "mix", ["ReaderUser", "EditorUser"], users, mix_seconds, host
        )
        # The mix approved revisions, so every cache is empty again: fill them (each worker
        # process keeps its own pages) before measuring steady-state throughput.
        started = time.monotonic()
        for _ in range(2 * args.workers):
            for url in data["procedures"]:
                fetch(host + url, cookie)
        log(f"caches filled again in {time.monotonic() - started:.1f} s")
        log(
            f"phase 2/2: {users} users back to back, alternating procedure pages and the bare "
            f"view every {env['BENCH_SLICE']} s, {throughput_seconds} s"
        )
        throughput = run_locust(
            env, workdir, "throughput", ["ThroughputUser"], users, throughput_seconds, host
        )
    finally:
        if server is not None:
            stop(server)
        # FORCE: a connection left behind (a worker killed mid-request) must not keep it.
        pg(maintenance_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')

    names = ["contents", "volume", "section", "procedure", "search", "start draft", "edit form",
             "save draft", "submit", "approve", "Aggregated"]  # fmt: skip
    print()
    print(f"== mix: {args.readers} readers + {args.editors} editors, wait {args.wait} s, "
          f"{mix_seconds} s (latency in ms)")  # fmt: skip
    print("\n".join(table(mix, names)))
    rates = slice_rates(workdir / "slices.json")
    ratio = rates["procedure"] / rates["bare view"] if rates.get("bare view") else 0.0
    print(
        f"\n== throughput: {users} users back to back, {throughput_seconds} s alternating "
        f"every {env['BENCH_SLICE']} s (requests/s over {rates['slices']} whole slices)"
    )
    lines = table(throughput, ["procedure", "bare view"])
    print(lines[0].replace("   req/s", "   req/s"))
    for line in lines[1:]:
        name = line[:14].strip()
        print(line[:31] + f"{rates.get(name, 0):>9.1f}" + line[40:])
    print(f"ratio procedure / bare view: {ratio:.0%}")

    errors = sum(int(rows["Aggregated"]["Failure Count"]) for rows in (mix, throughput))
    p95 = float(mix["procedure"]["95%"])
    print(f"\nerrors: {errors}")
    print(
        f"goals: 0 errors [{'met' if errors == 0 else 'MISSED'}], "
        f"p95 procedure <= {GOALS['p95_procedure_ms']} ms: {p95:.0f} ms "
        f"[{'met' if p95 <= GOALS['p95_procedure_ms'] else 'MISSED'}], "
        f"throughput >= {GOALS['ratio']:.0%} of bare: {ratio:.0%} "
        f"[{'met' if ratio >= GOALS['ratio'] else 'MISSED'}]"
    )
    if not args.smoke:
        compliance_report(maintenance_url, env)
    if errors:
        for rows in (mix, throughput):
            if rows["_failures"].strip():
                print(rows["_failures"][:3000])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
