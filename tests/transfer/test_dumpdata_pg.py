"""Moving an installation from SQLite to PostgreSQL with dumpdata/loaddata and natural keys.

The dump comes from the suite's SQLite database; a fresh PostgreSQL database (msp_sop_h17_load
on 127.0.0.1, as the machine's other PostgreSQL tests use) is migrated and loads it in a
separate `manage.py` process, as an administrator would do it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from procedures.models import Procedure, Revision
from tests.transfer.manual import build_manual

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432/"
NAME = f"msp_sop_h17_load_{os.getpid()}"  # per test process: two suites may run at once
# The search index is derived (and a virtual table on SQLite): rebuilt after a load.
EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes",
           "procedures.searchentry"]  # fmt: skip

psycopg2 = pytest.importorskip("psycopg2")


def _postgres():
    try:
        return psycopg2.connect(PG + "postgres", connect_timeout=3)
    except psycopg2.OperationalError:
        return None


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="moves FROM SQLite"),
]


def _manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args, "-v0"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip


def test_dumpdata_with_natural_keys_loads_into_postgresql(tmp_path):
    server = _postgres()
    if server is None:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {NAME}")
        cursor.execute(f"CREATE DATABASE {NAME}")
    manual = build_manual()
    dump = tmp_path / "manual.json"
    call_command("dumpdata", "--natural-foreign", "--natural-primary", "--indent", "1",
                 *[f"--exclude={e}" for e in EXCLUDE], "--output", str(dump))  # fmt: skip
    env = {**os.environ, "DATABASE_URL": PG + NAME, "SOP_VAR_DIR": str(tmp_path / "var"),
           "SOP_DEVTOOLS": "0"}  # fmt: skip
    try:
        _manage("migrate", env=env)
        _manage("loaddata", str(dump), env=env)
        loaded = psycopg2.connect(PG + NAME)
        with loaded, loaded.cursor() as cursor:
            cursor.execute(
                "SELECT p.title, r.body, r.status, u.username FROM procedures_procedure p "
                "JOIN procedures_revision r ON r.id = p.current_revision_id "
                "JOIN auth_user u ON u.id = r.reviewer_id ORDER BY p.title"
            )
            approved = cursor.fetchall()
            cursor.execute("SELECT count(*) FROM procedures_revision")
            (revisions,) = cursor.fetchone()
            cursor.execute(
                "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id "
                "JOIN auth_user u ON u.id = ug.user_id WHERE u.username = %s",
                [manual.users["approver"].get_username()],
            )
            groups = [row[0] for row in cursor.fetchall()]
        loaded.close()
    finally:
        with server.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        server.close()
    expected = sorted(
        (p.title, p.current_revision.body, "approved", p.current_revision.reviewer.username)
        for p in Procedure.objects.published().select_related("current_revision__reviewer")
    )
    assert approved == expected
    assert revisions == Revision.objects.count()
    assert groups == ["Approvers"]
