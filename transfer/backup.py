"""Backup and restore of a whole installation: the database and the stored files, in one
.tar.gz.

SQLite is copied with SQLite's online backup API (`sqlite3.Connection.backup`), which gives a
consistent copy while the site keeps running. PostgreSQL is dumped with `pg_dump
--format=custom` and restored with `pg_restore` (both must be on the PATH; the command says
which it used). Stored files (attachments) are read and written through Django's default
storage, so a local folder and S3 are backed up alike.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import DatabaseError, connection
from django.utils import timezone

from attachments.models import Attachment
from procedures.models import Procedure, Volume
from procedures.workflow import effects

FORMAT = 1
Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore cannot be done; the message says why."""


def _engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else connection.vendor


def _stored_files(storage, folder: str = "") -> Iterator[str]:
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _stored_files(storage, f"{folder}/{sub}" if folder else sub)


def _pg_arguments() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = [f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    env = {**os.environ, **({"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {})}
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")
    return path


def _dump_database(folder: Path, say: Say) -> str:
    if _engine() == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        with copy:
            connection.connection.backup(copy)
        copy.close()
        say("database: SQLite, copied with the online backup API")
        return target.name
    if _engine() == "postgresql":
        target = folder / "database.pgdump"
        args, env = _pg_arguments()
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", *args]
        subprocess.run(command, check=True, env=env)  # noqa: S603  (our settings, no shell)
        say("database: PostgreSQL, dumped with pg_dump --format=custom")
        return target.name
    raise BackupError(f"Cannot back up a {connection.vendor} database.")


def backup(output: Path, *, say: Say = lambda _: None) -> dict:
    """Write the database and every stored file to `output` (.tar.gz); return its manifest."""
    storage = storages["default"]
    with tempfile.TemporaryDirectory() as tmp:
        database = _dump_database(Path(tmp), say)
        names = sorted(_stored_files(storage))
        manifest = {
            "format": FORMAT, "engine": _engine(), "database": database,
            "created_at": timezone.now().isoformat(), "files": len(names),
        }  # fmt: skip
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = output.with_name(output.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(Path(tmp) / "manifest.json", "manifest.json")
                archive.add(Path(tmp) / database, database)
                for n, name in enumerate(names, 1):
                    with storage.open(name, "rb") as f:
                        info = tarfile.TarInfo(f"media/{name}")
                        info.size = storage.size(name)
                        archive.addfile(info, f)
                    if n % 100 == 0:
                        say(f"files: {n}/{len(names)}")
            os.replace(partial, output)
        finally:
            Path(partial).unlink(missing_ok=True)
    say(f"files: {len(names)} stored file(s)")
    return manifest


def installation_is_empty() -> bool:
    """Return whether nothing worth keeping is here: no people, volumes, procedures, files
    (a database not yet migrated, with no tables at all, is empty too)."""
    try:
        return not (
            get_user_model().objects.exists()
            or Volume.objects.exists()
            or Procedure.objects.exists()
            or Attachment.objects.exists()
        )
    except DatabaseError:
        return not connection.introspection.table_names()


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = archive.getmembers()
    for member in members:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"{member.name}: not a plain file inside the backup; refused.")
    return members


def _restore_database(path: Path, engine: str, say: Say) -> None:
    if engine != _engine():
        raise BackupError(f"The backup is of {engine}; this installation uses {_engine()}.")
    if engine == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        with source:
            source.backup(connection.connection)
        source.close()
        connection.close()  # the next query opens the restored database afresh
        say("database: SQLite, restored with the online backup API")
        return
    args, env = _pg_arguments()
    connection.close()
    command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", *args, str(path)]
    subprocess.run(command, check=True, env=env)  # noqa: S603  (our settings, no shell)
    say("database: PostgreSQL, restored with pg_restore --clean")


def restore(source: Path, *, force: bool = False, say: Say = lambda _: None) -> dict:
    """Restore a backup into this installation, which must be empty unless `force`."""
    if not force and not installation_is_empty():
        raise BackupError(
            "This installation is not empty (it has people, volumes, procedures or files). "
            "Restore into a fresh one, or pass --force to replace what is here."
        )
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115  (closed by the with below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{source}: not a backup made by manage.py backup ({exc}).") from exc
    storage = storages["default"]
    with archive, tempfile.TemporaryDirectory() as tmp:
        members = {m.name: m for m in _safe_members(archive)}
        if "manifest.json" not in members:
            raise BackupError(f"{source}: no manifest.json; not a backup made by manage.py backup.")
        manifest = json.loads(archive.extractfile(members["manifest.json"]).read())
        if manifest.get("format") != FORMAT or manifest.get("database") not in members:
            raise BackupError(f"{source}: a backup of an unknown format.")
        database = Path(tmp) / "database"
        with archive.extractfile(members[manifest["database"]]) as f, database.open("wb") as out:
            shutil.copyfileobj(f, out)
        _restore_database(database, manifest["engine"], say)
        restored = 0
        for name, member in members.items():
            if not name.startswith("media/") or not member.isfile():
                continue
            stored = name.removeprefix("media/")
            if storage.exists(stored):
                storage.delete(stored)
            storage.save(stored, File(archive.extractfile(member), name=stored))
            restored += 1
        say(f"files: {restored} stored file(s)")
    # Everything changed behind the workflow's back: links, index, pages, permission sets.
    effects.manual_rewritten()
    effects.people_changed()
    effects.permissions_changed()
    return manifest
