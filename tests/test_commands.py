import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from procedures.models import Procedure, Volume
from tests.factories import approved_revision

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("setup_instance", *args, stdout=out)
    return out.getvalue()


def test_first_run_loads_contents_and_prints_a_random_admin_password():
    output = run()
    assert Procedure.objects.count() == 163
    admin = get_user_model().objects.get()
    assert admin.is_superuser and admin.username == "admin"
    password = output.split("password:")[1].split()[0]
    assert len(password) >= 16
    assert admin.check_password(password)


def test_second_run_creates_nothing_twice():
    first = run()
    second = run()
    assert Volume.objects.count() == 4 and Procedure.objects.count() == 163
    assert get_user_model().objects.count() == 1
    assert "password:" in first and "password:" not in second


def test_two_instances_get_different_passwords():
    first = run().split("password:")[1].split()[0]
    get_user_model().objects.all().delete()
    second = run().split("password:")[1].split()[0]
    assert first != second


def test_dry_run_writes_nothing():
    output = run("--dry-run")
    assert "Would load" in output and "Would create" in output
    assert Volume.objects.count() == 0 and get_user_model().objects.count() == 0


def test_rebuild_search_index_shows_readers_the_mended_links_at_once(reader_client, manual):
    """Procedures written behind the workflow (an import, a restore) mend [[links]] only
    when the index is rebuilt; readers' cached pages must show that at once."""
    source = Procedure.objects.with_place().get(slug="final-friday-training")
    approved_revision(source, body="Before you start, read [[Brand New Runbook]].")
    url = source.get_absolute_url()
    assert "wikilink-broken" in reader_client.get(url).content.decode()  # now cached
    # No signal, no link refresh: as a bulk import writes.
    Procedure.objects.bulk_create(
        [
            Procedure(
                section=source.section, title="Brand New Runbook", slug="brand-new", position=99
            )
        ]
    )
    assert "wikilink-broken" in reader_client.get(url).content.decode()  # still cached
    call_command("rebuild_search_index", verbosity=0)
    page = reader_client.get(url).content.decode()
    assert "wikilink-broken" not in page
    assert 'href="/manual/3/ii/brand-new/"' in page
    contents = reader_client.get("/").content.decode()
    assert "Brand New Runbook" in contents
