"""The edit page's Markdown toolbar, its keyboard shortcuts and the Markdown help."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from procedures import workflow
from procedures.models import Procedure
from tests.pages import rurl


def open_editor(page, live_server, log_in, editor):
    procedure = Procedure.objects.get(slug="final-friday-training")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    log_in(page, editor)
    page.goto(live_server.url + rurl("revision_edit", draft))
    return draft, page.get_by_label("Text (Markdown)")


def test_toolbar_buttons_write_markdown_at_the_cursor(
    page, live_server, log_in, watch, manual, editor
):
    watching = watch(page)
    draft, body = open_editor(page, live_server, log_in, editor)
    toolbar = page.get_by_role("toolbar", name="Formatting")
    body.fill("Restart the spooler")
    body.evaluate("(area) => area.setSelectionRange(12, 19)")  # "spooler"
    toolbar.get_by_role("button", name="Bold (Ctrl+B)").click()
    expect(body).to_have_value("Restart the **spooler**")
    body.press("End")
    toolbar.get_by_role("button", name="Checklist item").click()
    page.keyboard.type("Printer online")
    expect(body).to_have_value("Restart the **spooler**\n- [ ] Printer online")
    body.press("End")
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="Link to a procedure (Ctrl+K)").click()
    page.keyboard.type("Final Friday Training")  # replaces the selected placeholder
    expect(body).to_have_value(
        "Restart the **spooler**\n- [ ] Printer online\n[[Final Friday Training]]"
    )
    page.keyboard.press("End")
    # Each button selects its placeholder, to be typed over: move on past it first.
    for name in ("Table", "Code block", "Heading"):
        toolbar.get_by_role("button", name=name).click()
        page.keyboard.press("Control+End")
    value = body.input_value()
    assert "| Column | Column |\n| --- | --- |\n| Cell | Cell |\n" in value
    assert "```\ncommand\n```\n" in value and "## Heading" in value
    # The live preview follows what the toolbar wrote.
    preview = page.locator("#draft-preview")
    expect(preview.locator("strong")).to_have_text("spooler")
    expect(preview.locator("table")).to_have_count(1)
    # ...and autosave saves it.
    expect(page.locator("#autosave-status")).to_have_text(re.compile("^Saved"), timeout=10_000)
    draft.refresh_from_db()
    assert "**spooler**" in draft.body
    assert watching.problems() == {key: [] for key in watching.problems()}


def test_keyboard_shortcuts(page, live_server, log_in, manual, editor):
    _draft, body = open_editor(page, live_server, log_in, editor)
    body.click()
    page.keyboard.press("Control+b")
    page.keyboard.type("Warning")
    page.keyboard.press("Control+End")
    page.keyboard.type(" ")
    page.keyboard.press("Control+i")
    page.keyboard.type("now")
    page.keyboard.press("Control+End")
    page.keyboard.type(" ")
    page.keyboard.press("Control+k")
    page.keyboard.type("Backups")
    expect(body).to_have_value("**Warning** _now_ [[Backups]]")
    page.keyboard.press("Control+z")  # undo keeps working
    expect(body).not_to_have_value("**Warning** _now_ [[Backups]]")


def test_markdown_help_is_one_click_away_without_javascript(
    browser, live_server, log_in, manual, editor
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    open_editor(page, live_server, log_in, editor)
    expect(page.get_by_role("toolbar")).to_have_count(0)  # the toolbar needs JavaScript
    help_table = page.locator(".markdown-help table")
    expect(help_table).to_be_hidden()
    page.get_by_text("Markdown help").click()
    expect(help_table).to_be_visible()
    expect(help_table).to_contain_text("[[Procedure title]]")
    context.close()


def test_a_new_procedure_starts_from_a_chosen_template(
    page, live_server, log_in, manual, editor, approver
):
    from tests.test_workflow import publish

    template = Procedure.objects.get(slug="final-friday-training")
    publish(template, editor, approver, "## Purpose\n\n## Steps\n\n- [ ] Done\n")
    template.is_template = True
    template.save(update_fields=["is_template"])
    unwritten = Procedure.objects.exclude(pk=template.pk).filter(current_revision=None).first()
    log_in(page, editor)
    page.goto(live_server.url + reverse("procedures:edit", kwargs=unwritten.url_kwargs()))
    page.get_by_label("Start from").select_option(label=template.title)
    page.get_by_role("button", name="Start a draft").click()
    expect(page.get_by_text(re.compile(r"Editing your draft, revision 1"))).to_be_visible()
    expect(page.get_by_label("Text (Markdown)")).to_have_value(
        "## Purpose\n\n## Steps\n\n- [ ] Done\n"
    )
