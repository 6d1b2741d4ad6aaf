"""[[Wiki links]] between procedures, and the "Linked from" list."""

from http import HTTPStatus

import pytest
from django.core.management import call_command

from procedures import workflow
from procedures.linking import render as render_markdown
from procedures.models import Procedure, ProcedureLink, Revision
from procedures.text.wikilinks import link_key
from tests.factories import ProcedureFactory, SectionFactory, approved_revision

pytestmark = pytest.mark.django_db


def html(source, procedure=None):
    return render_markdown(source, source_procedure_id=procedure and procedure.pk).html


def publish(procedure, editor, approver, body):
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    draft = workflow.revision_save_draft(
        revision=draft, user=editor, body=body, summary="s", expected_version=draft.version
    )
    draft = workflow.revision_submit(revision=draft, user=editor)
    return workflow.revision_approve(revision=draft, user=approver)


def test_link_keys():
    assert link_key("  Final   Friday Training ") == "final friday training"
    assert link_key("3/II/final-friday-training/") == "3/ii/final-friday-training"
    assert link_key("3 / ii / final-friday-training") == "3/ii/final-friday-training"


def test_links_by_title_and_by_path(manual):
    out = html("See [[Final Friday Training]] and [[2/ii/the-tech-directory]].")
    assert '<a class="wikilink" href="/manual/3/ii/final-friday-training/"' in out.replace(
        ' rel="noopener noreferrer"', ""
    )
    assert ">Final Friday Training</a>" in out
    # A path link shows the procedure's title.
    assert 'href="/manual/2/ii/the-tech-directory/"' in out and ">The !Tech Directory</a>" in out


def test_title_links_ignore_case_and_spacing_and_take_a_label(manual):
    out = html("[[final  FRIDAY training|the Friday session]]")
    assert 'href="/manual/3/ii/final-friday-training/"' in out
    assert ">the Friday session</a>" in out


def test_missing_procedure_renders_visibly_broken(manual):
    out = html("Read [[No Such Procedure]] and [[9/ix/nowhere]] first.")
    assert out.count('class="wikilink wikilink-broken"') == 2
    assert 'href="/search/?q=No+Such+Procedure"' in out
    assert "No procedure “No Such Procedure” in the manual (broken link)" in out


def test_ambiguous_title_prefers_the_same_section_else_is_marked(db):
    section_a, section_b, section_c = SectionFactory(), SectionFactory(), SectionFactory()
    in_a = ProcedureFactory(section=section_a, title="Intro Notes")
    in_b = ProcedureFactory(section=section_b, title="Intro Notes")
    writer_in_a = ProcedureFactory(section=section_a, title="Writer A")
    writer_in_c = ProcedureFactory(section=section_c, title="Writer C")
    assert f'href="{in_a.get_absolute_url()}"' in html("[[Intro Notes]]", writer_in_a)
    ambiguous = html("[[Intro Notes]]", writer_in_c)
    assert "wikilink-ambiguous" in ambiguous
    assert "Several procedures are called “Intro Notes”" in ambiguous
    assert in_b.get_absolute_url() not in ambiguous
    # A path link is never ambiguous.
    assert f'href="{in_b.get_absolute_url()}"' in html(f"[[{in_b.path}]]", writer_in_c)


def test_link_text_is_escaped_and_classes_cannot_be_borrowed(manual):
    out = html('[[<img src=x onerror=alert(1)>]] [[Final Friday Training|<b onclick="x">hi</b>]]')
    # Shown as the text typed, never as markup.
    assert "<img" not in out and "<b " not in out
    assert ">&lt;img src=x onerror=alert(1)&gt;</a>" in out
    assert '>&lt;b onclick="x"&gt;hi&lt;/b&gt;</a>' in out


def test_links_in_code_are_left_alone(manual):
    out = html("`[[Final Friday Training]]`\n\n    [[Final Friday Training]]\n")
    assert "wikilink" not in out and out.count("[[Final Friday Training]]") == 2


def test_render_records_the_links(manual):
    rendered = render_markdown("[[Final Friday Training]] [[Nope]] [[final friday training]]")
    assert [(link.key, link.state) for link in rendered.links] == [
        ("final friday training", "ok"),
        ("nope", "missing"),
        ("final friday training", "ok"),
    ]


@pytest.fixture
def linked(manual, editor, approver):
    target = Procedure.objects.get(slug="final-friday-training")
    source = Procedure.objects.get(slug="the-tech-directory")
    publish(source, editor, approver, "Before the call see [[Final Friday Training]].")
    return source, target


def test_linked_from_lists_approved_linkers(reader_client, linked):
    source, target = linked
    response = reader_client.get(target.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Linked from" in body
    assert f'href="{source.get_absolute_url()}"' in body.split("Linked from")[1]
    # The linking page shows the link.
    body = reader_client.get(source.get_absolute_url()).content.decode()
    assert f'class="wikilink" href="{target.get_absolute_url()}"' in body


def test_drafts_and_reviews_do_not_count_as_links(manual, editor, approver):
    target = Procedure.objects.get(slug="final-friday-training")
    source = Procedure.objects.get(slug="the-tech-directory")
    draft = workflow.revision_start_draft(procedure=source, user=editor)
    draft = workflow.revision_save_draft(
        revision=draft,
        user=editor,
        body="[[Final Friday Training]]",
        summary="s",
        expected_version=draft.version,
    )
    workflow.revision_submit(revision=draft, user=editor)
    assert list(target.linked_from()) == []


def test_superseding_text_without_the_link_removes_it(linked, editor, approver):
    source, target = linked
    assert list(target.linked_from()) == [source]
    publish(source, editor, approver, "No links any more.")
    assert list(target.linked_from()) == []


def test_self_links_are_not_listed(manual, editor, approver):
    target = Procedure.objects.get(slug="final-friday-training")
    publish(target, editor, approver, "This is [[Final Friday Training]].")
    assert list(target.linked_from()) == []


def test_broken_link_heals_when_the_procedure_is_created(manual, editor, approver, superuser):
    source = Procedure.objects.get(slug="the-tech-directory")
    revision = publish(source, editor, approver, "Follow [[Printer Triage]].")
    assert "wikilink-broken" in Revision.objects.get(pk=revision.pk).body_html
    created = workflow.procedure_create(
        section=source.section, title="Printer Triage", user=superuser
    )
    body_html = Revision.objects.get(pk=revision.pk).body_html
    assert "wikilink-broken" not in body_html
    assert f'href="{created.get_absolute_url()}"' in body_html
    assert list(created.linked_from()) == [source]


def test_rename_is_picked_up_by_rebuild_search_index(linked):
    source, target = linked
    source.refresh_from_db()
    target.title = "Final Friday Session"
    target.save()
    call_command("rebuild_search_index", verbosity=0)
    body_html = Revision.objects.get(pk=source.current_revision_id).body_html
    assert "wikilink-broken" in body_html  # the old title no longer names anything
    assert list(target.linked_from()) == []
    assert ProcedureLink.objects.get(source=source).target is None


def test_procedure_page_query_count_with_backlinks(
    reader_client, linked, django_assert_max_num_queries
):
    source, target = linked
    other = ProcedureFactory(section=source.section, title="Another linker")
    approved_revision(other, body="[[Final Friday Training]]")
    call_command("rebuild_search_index", verbosity=0)
    assert list(target.linked_from()) == [source, other] or list(target.linked_from()) == [
        other,
        source,
    ]
    url = target.get_absolute_url()
    # The same budget as a page without backlinks (test_reading_views): one query for them all.
    # (+ 1, issue 15: the reader's stars and recent views, one lookup.)
    with django_assert_max_num_queries(13):
        response = reader_client.get(url)
    assert response.content.decode().count('class="linked-from-item"') == 2
