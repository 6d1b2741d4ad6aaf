"""Backup and restore on PostgreSQL (pg_dump / pg_restore): an installation in
msp_sop_h17_backup, restored into the never-migrated msp_sop_h17_restore, each driven by its
own `manage.py` process as an administrator would."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.transfer.archives import GOOD, png, zip_of

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432/"
# Named per test process: a second suite running beside this one keeps to its own databases.
SOURCE, TARGET = f"msp_sop_h17_backup_{os.getpid()}", f"msp_sop_h17_restore_{os.getpid()}"
COUNTS = (
    "SELECT (SELECT count(*) FROM procedures_procedure), (SELECT count(*) FROM "
    "procedures_revision WHERE status = 'approved'), (SELECT count(*) FROM "
    "attachments_attachment), (SELECT string_agg(username, ',') FROM auth_user)"
)
psycopg2 = pytest.importorskip("psycopg2")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump and pg_restore"),
]


def _server():
    try:
        server = psycopg2.connect(PG + "postgres", connect_timeout=3)
    except psycopg2.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    server.autocommit = True
    return server


def _manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def _counts(name):
    db = psycopg2.connect(PG + name)
    with db, db.cursor() as cursor:
        cursor.execute(COUNTS)
        row = cursor.fetchone()
    db.close()
    return row


def test_backup_and_restore_on_postgresql(tmp_path):
    server = _server()
    with server.cursor() as cursor:
        for name in (SOURCE, TARGET):
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {name}")
    base = {**os.environ, "SOP_DEVTOOLS": "0", "LOG_LEVEL": "WARNING",
            "SOP_ALLOW_SELF_APPROVAL": "1"}  # fmt: skip
    source = {**base, "DATABASE_URL": PG + SOURCE, "SOP_VAR_DIR": str(tmp_path / "a")}
    target = {**base, "DATABASE_URL": PG + TARGET, "SOP_VAR_DIR": str(tmp_path / "b")}
    archive = tmp_path / "manual.zip"
    name = next(iter(GOOD))
    archive.write_bytes(zip_of({
        name: GOOD[name] + "\n![Shot](01-password-resets.files/shot.png)\n",
        name.replace(".md", ".files/shot.png"): png(),
    }))  # fmt: skip
    backup = tmp_path / "backup.tar.gz"
    try:
        _manage("migrate", "-v0", env=source)
        _manage("shell", "-c", "from django.contrib.auth.models import User; "
                "User.objects.create_superuser('admin', 'a@x.test', 'x')", env=source)  # fmt: skip
        _manage("import_manual", str(archive), "--user", "admin", "--approve", env=source)
        made = _manage("backup", "--output", str(backup), env=source)
        assert "dumped with pg_dump" in made.stderr
        done = _manage("restore", str(backup), env=target)
        assert "restored with pg_restore" in done.stderr
        assert _counts(TARGET) == _counts(SOURCE) == (1, 1, 1, "admin")
        restored = list((tmp_path / "b" / "media").rglob("*.png"))
        assert [p.read_bytes() for p in restored] == [
            p.read_bytes() for p in (tmp_path / "a" / "media").rglob("*.png")
        ]
        assert restored
        refused = subprocess.run([sys.executable, "manage.py", "restore", str(backup)], cwd=ROOT,
                                 env=target, capture_output=True, text=True)  # fmt: skip
        assert refused.returncode != 0 and "not empty" in refused.stderr
    finally:
        with server.cursor() as cursor:
            for name in (SOURCE, TARGET):
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.close()
