import io

import pytest
from django.core.management import call_command, get_commands

from procedures import search
from procedures.linking import render as render_markdown
from procedures.models import Procedure, ProcedureLink, Revision, Section, Volume

pytestmark = pytest.mark.django_db


def generate(*args):
    out = io.StringIO()
    call_command("generate_corpus", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return list(
        Revision.objects.order_by(
            "procedure__section__position", "procedure__position", "number"
        ).values_list("procedure__title", "number", "status", "body")
    )


def test_generates_the_asked_for_manual_with_html_as_render_markdown_makes_it():
    output = generate("--procedures", "40", "--revisions", "4", "--seed", "7")
    assert "Added 40 procedures with 4 revisions each" in output
    assert Procedure.objects.count() == 40
    assert Revision.objects.count() == 160
    # bulk_create skipped save(): the command's own HTML must equal the real renderer's.
    for revision in Revision.objects.all():
        rendered = render_markdown(revision.body, source_procedure_id=revision.procedure_id)
        assert revision.body_html == rendered.html, revision.body
        assert revision.toc_html == rendered.toc_html
    statuses = set(Revision.objects.values_list("status", flat=True))
    assert {"approved", "superseded", "in_review"} <= statuses
    # Every procedure's current revision is its one approved revision; some are not written.
    for procedure in Procedure.objects.all():
        approved = procedure.revisions.filter(status="approved").first()
        assert procedure.current_revision == approved
    assert Procedure.objects.not_yet_written().exists()
    assert Procedure.objects.published().count() > 30


def empty_the_manual():
    Procedure.objects.all().delete()
    Section.objects.all().delete()
    Volume.objects.all().delete()


def test_same_seed_same_manual_other_seed_other_manual():
    generate("--procedures", "30", "--revisions", "3", "--seed", "3")
    first = snapshot()
    empty_the_manual()
    generate("--procedures", "30", "--revisions", "3", "--seed", "3")
    assert snapshot() == first
    empty_the_manual()
    generate("--procedures", "30", "--revisions", "3", "--seed", "4")
    assert snapshot() != first


def test_adds_volumes_after_existing_ones(manual):
    generate("--procedures", "10", "--revisions", "1")
    assert Volume.objects.count() == 5
    assert Procedure.objects.count() == 173
    assert Procedure.objects.filter(section__volume__number=5).count() == 10


def test_approved_text_is_searchable_and_links_recorded():
    generate("--procedures", "60", "--revisions", "3", "--seed", "11")
    procedure = Procedure.objects.published().first()
    word = procedure.current_revision.body.split()[5].strip(".*`()")
    assert search.search(word).total >= 1
    links = ProcedureLink.objects.select_related("source__current_revision")
    assert links.exists()
    for link in links:
        assert f"[[{link.target_key}]]" in link.source.current_revision.body
        assert link.target.path == link.target_key


def test_the_tools_come_from_devtools_not_the_production_app():
    commands = get_commands()
    assert commands["generate_corpus"] == commands["bench_search"] == "devtools"


def test_dry_run_adds_nothing():
    output = generate("--procedures", "50", "--dry-run")
    assert "Would add" in output
    assert not Procedure.objects.exists()


def test_readers_see_the_generated_manual_at_once(reader_client):
    """generate_corpus writes procedures and revisions in bulk, behind the workflow; readers'
    cached pages still show the new manual on their next request."""
    assert reader_client.get("/").status_code == 200  # the contents page, now cached
    generate("--procedures", "6", "--revisions", "2", "--seed", "3")
    contents = reader_client.get("/").content.decode()
    written = Procedure.objects.published().with_place().first()
    assert all(title in contents for title in Procedure.objects.values_list("title", flat=True))
    page = reader_client.get(written.get_absolute_url()).content.decode()
    assert written.current_revision.body_html[:200] in page
