"""The rendered diff: what readers will see change, block by block (issue 15)."""

import re
from http import HTTPStatus

from django.urls import reverse

from procedures.text.markdown import render_markdown
from procedures.text.rendered_diff import rendered_diff
from tests.pages import rurl, text
from tests.test_workflow import publish, write

OLD = """# Backups

## Steps

1. Open the console
2. Check the job
3. Close it

Call the on-call engineer.

| Job | When |
| --- | --- |
| Nightly | 02:00 |
"""


def html(markdown: str) -> str:
    return render_markdown(markdown).html


def test_unchanged_text_is_shown_as_it_is_with_no_marks():
    result = rendered_diff(html(OLD), html(OLD))
    assert not result.has_changes
    assert "diff-ins" not in result.html and "diff-del" not in result.html
    assert "<td>Nightly</td>" in result.html


def test_a_changed_step_and_a_new_one_are_marked_inside_the_list():
    new = OLD.replace("2. Check the job", "2. Check the job **twice**").replace(
        "3. Close it", "3. Close it\n4. Write it in the log"
    )
    result = rendered_diff(html(OLD), html(new))
    assert (result.added, result.removed) == (2, 1)
    assert result.html.count("<ol>") == 1  # one list, not a removed and an added one
    assert "<li>Open the console</li>" in result.html
    assert '<li><del class="diff-del">Check the job</del></li>' in result.html
    assert (
        '<li><ins class="diff-ins">Check the job <strong>twice</strong></ins></li>' in result.html
    )
    assert '<li><ins class="diff-ins">Write it in the log</ins></li>' in result.html


def test_a_reworded_paragraph_shows_the_old_then_the_new():
    new = OLD.replace("Call the on-call engineer.", "Call the duty manager.")
    marked = rendered_diff(html(OLD), html(new)).html
    removed = marked.index('<del class="diff-del"><p>Call the on-call engineer.</p></del>')
    added = marked.index('<ins class="diff-ins"><p>Call the duty manager.</p></ins>')
    assert removed < added


def test_a_removed_heading_gives_its_anchor_to_the_added_one():
    marked = rendered_diff(html("## Steps\n"), html("## Procedure\n\n## Steps\n")).html
    assert marked.count('id="steps"') == 1
    marked = rendered_diff(html("## Old name\n"), html("## New name\n")).html
    assert '<del class="diff-del"><h2>Old name</h2></del>' in marked
    assert 'id="new-name"' in marked


def test_from_and_to_the_empty_page():
    assert rendered_diff("", html(OLD)).removed == 0
    assert rendered_diff("", html(OLD)).html.startswith('<ins class="diff-ins"><h1')
    gone = rendered_diff(html(OLD), "")
    assert gone.added == 0 and gone.removed == 5


def test_a_writer_cannot_forge_the_marks_or_smuggle_markup():
    new = OLD + "\n<del class='diff-del'>fake</del> <script>alert(1)</script>\n<p onclick=x>y</p>\n"
    marked = rendered_diff(html(OLD), html(new)).html
    assert "<script" not in marked and "onclick" not in marked
    assert "<del>fake</del>" in marked  # the writer's own strike-through, without our class
    assert len(re.findall(r'class="diff-(ins|del)"', marked)) == 2


def test_review_and_compare_pages_offer_the_rendered_diff(
    as_user, editor, other_editor, approver, procedure
):
    publish(procedure, other_editor, approver, OLD)
    revision = write(procedure, editor, OLD.replace("3. Close it", "3. Lock it"))
    client = as_user(approver)
    page = text(client.get(rurl("review", revision)))
    assert "As readers will see it" in page
    assert '<li><ins class="diff-ins">Lock it</ins></li>' in page
    # Without JavaScript the tab is a link to the same page on its rendered diff.
    assert 'href="?view=rendered"' in page
    assert 'class="tab-pane show active" id="diff-source"' in page
    page = text(client.get(rurl("review", revision), {"view": "rendered"}))
    assert 'class="tab-pane show active" id="diff-rendered"' in page
    assert "1 block added, 1 block removed" in re.sub("<[^>]+>", "", page)
    compare = reverse("procedures:compare", kwargs=procedure.url_kwargs())
    response = client.get(compare, {"from": 1, "to": 2, "view": "rendered"})
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert '<li><del class="diff-del">Close it</del></li>' in page
    assert 'href="?from=1&amp;to=2"' in page  # back to the Markdown changes
