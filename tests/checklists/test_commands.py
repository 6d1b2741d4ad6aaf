"""manage.py import_clients: all or nothing, a clear error per wrong line, --dry-run."""

import pytest
from django.core.management import CommandError, call_command

from checklists.models import Client

from .helpers import make_client

pytestmark = pytest.mark.django_db


def write(tmp_path, text):
    path = tmp_path / "clients.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_adds_and_renames(tmp_path, capsys):
    make_client(name="Old name", code="ACME")
    path = write(tmp_path, "name,code\nAcme Ltd,acme\nBeta plc,BETA\n\n")
    call_command("import_clients", str(path))
    assert dict(Client.objects.values_list("code", "name")) == {
        "ACME": "Acme Ltd",
        "BETA": "Beta plc",
    }
    assert "Added 1 client(s), renamed 1, 0 unchanged." in capsys.readouterr().out
    call_command("import_clients", str(path))
    assert "Added 0 client(s), renamed 0, 2 unchanged." in capsys.readouterr().out


def test_dry_run_writes_nothing(tmp_path, capsys):
    call_command("import_clients", str(write(tmp_path, "Acme,ACME\n")), dry_run=True)
    assert "Would add 1 client(s)" in capsys.readouterr().out
    assert not Client.objects.exists()


def test_any_wrong_line_imports_nothing_and_names_every_line(tmp_path):
    text = "Good,GOOD\n,EMPTY\nNo code,\nDup,GOOD\nToo,many,cells\n" + "Long," + "X" * 30 + "\n"
    with pytest.raises(CommandError) as error:
        call_command("import_clients", str(write(tmp_path, text)))
    message = str(error.value)
    for expected in (
        "line 2: the name is empty",
        "line 3: the code is empty",
        "line 4: the code GOOD is on line 1 already",
        "line 5: expected 2 columns",
        "line 6: the code",
    ):
        assert expected in message
    assert not Client.objects.exists()


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_clients", str(tmp_path / "missing.csv"))
    path = tmp_path / "latin1.csv"
    path.write_bytes("Caf\xe9,CAFE\n".encode("latin-1"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_clients", str(path))
