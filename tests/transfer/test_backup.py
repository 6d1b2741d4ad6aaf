"""Backup, then restore into an empty installation: the same rows and the same files."""

import io
import tarfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection

from attachments.models import Attachment, RevisionAttachment
from procedures.models import Procedure, Revision, RevisionEvent, Section, Volume
from tests.transfer.manual import build_manual

# The SQLite backup API copies into the live connection: no test transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)
MODELS = [Volume, Section, Procedure, Revision, RevisionEvent, Attachment, RevisionAttachment]


def rows():
    people = list(get_user_model().objects.order_by("pk").values_list("pk", "username", "password"))
    return people, {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}


def stored_files():
    storage = storages["default"]
    files = {}
    for attachment in Attachment.objects.all():
        with storage.open(attachment.file.name, "rb") as f:
            files[attachment.file.name] = f.read()
    return files


def empty_the_installation():
    storage = storages["default"]
    for name in stored_files():
        storage.delete(name)
    RevisionAttachment.objects.all().delete()
    RevisionEvent.objects.all().delete()
    Procedure.objects.update(current_revision=None)
    Revision.objects.all().delete()
    Procedure.objects.all().delete()
    Section.objects.all().delete()
    Volume.objects.all().delete()
    Attachment.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's online backup; the PostgreSQL run has its own pg_dump test",
)
def test_backup_then_restore_gives_the_same_rows_and_files(tmp_path):
    build_manual()
    before_rows, before_files = rows(), stored_files()
    assert before_files  # the screenshot
    path = tmp_path / "backup.tar.gz"
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", "--output", str(path), stdout=out, stderr=err)
    assert "SQLite, copied with the online backup API" in err.getvalue()
    with tarfile.open(path) as archive:
        names = archive.getnames()
    assert {"manifest.json", "database.sqlite3"} <= set(names)
    assert any(name.startswith("media/attachments/") for name in names)

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    empty_the_installation()
    assert stored_files() == {} and rows()[1]["Procedure"] == []
    call_command("restore", str(path), "--dry-run", stdout=io.StringIO())
    assert Procedure.objects.count() == 0  # a dry run changes nothing
    out = io.StringIO()
    call_command("restore", str(path), stdout=out, stderr=io.StringIO())
    assert "Restored the sqlite database" in out.getvalue()
    assert rows() == before_rows
    assert stored_files() == before_files


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    path = tmp_path / "not.tar.gz"
    path.write_bytes(b"nonsense")
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(CommandError, match="not a plain file inside the backup"):
        call_command("restore", str(evil), stdout=io.StringIO(), stderr=io.StringIO())
