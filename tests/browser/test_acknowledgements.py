"""Issue 14's story of read acknowledgements, in Chromium, every step through the site's
pages: an approver requires acknowledgement of a section from Technicians; a technician
reads and acknowledges; an editor's material change is approved; the technician sees only
what changed and acknowledges again. Every page is watched (no script error, no CSP
violation)."""

import csv
import io
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from procedures.models import Revision
from tests.compliance.helpers import publish
from tests.factories import ProcedureFactory, SectionFactory
from tests.roles import make_user

pytestmark = pytest.mark.browser

STEPS = "".join(f"Step {n}: check the backup job numbered {n}.\n" for n in range(1, 31))


def said(tab: Page, text: str) -> None:
    expect(tab.get_by_role("alert").filter(has_text=text)).to_be_visible()


def menu(tab: Page):
    return tab.get_by_role("navigation", name="Main")


def test_technicians_acknowledge_a_section_and_read_only_what_changed(
    browser, browser_context_args, live_server, log_in, watch
):
    section = SectionFactory(numeral="III", title="Backups")
    procedure = ProcedureFactory(section=section, title="Nightly backup check", slug="nightly")
    editor, approver = make_user("editor", "erin"), make_user("approver", "ada")
    publish(procedure, editor, approver, STEPS)
    technician = make_user("reader", "tess")
    technician.groups.add(Group.objects.create(name="Technicians"))
    watches = []

    def person(user) -> Page:
        tab = browser.new_context(**browser_context_args).new_page()
        watches.append(watch(tab))
        return log_in(tab, user)

    # The approver requires acknowledgement of the whole section from Technicians.
    ada = person(approver)
    ada.goto(live_server.url + section.get_absolute_url())
    ada.get_by_role("link", name="Read acknowledgement of this section…").click()
    ada.get_by_label("Technicians").check()
    ada.get_by_label("Within (days)").fill("14")
    ada.get_by_role("button", name="Require acknowledgement").click()
    said(ada, "Read acknowledgement required.")

    # The technician sees it in the menu, reads the procedure and acknowledges it.
    tess = person(technician)
    expect(menu(tess).get_by_role("link", name=re.compile(r"^To read 1"))).to_be_visible()
    menu(tess).get_by_role("link", name=re.compile(r"^To read")).click()
    tess.get_by_role("link", name="Nightly backup check").click()
    expect(tess.get_by_text("Read acknowledgement required of Technicians")).to_be_visible()
    tess.get_by_role("button", name="I have read and understood revision 1").click()
    said(tess, "you have read and understood revision 1")
    expect(tess.locator(".acknowledgement")).to_contain_text("You acknowledged revision 1 on")
    expect(menu(tess).locator(".to-read-count")).to_have_count(0)
    between = timezone.localtime().isoformat()  # after the first acknowledgement

    # The editor makes a material change (the default) and the approver approves it.
    erin = person(editor)
    erin.goto(live_server.url + procedure.get_absolute_url())
    erin.get_by_role("button", name="Edit").click()
    changed = STEPS.replace(
        "Step 17: check the backup job numbered 17.",
        "Step 17: restore one file from backup job 17 and open it.",
    )
    erin.get_by_label("Text (Markdown)").fill(changed)
    erin.get_by_label("Change summary").fill("Test a restore, not only the job")
    expect(erin.get_by_role("radio", name=re.compile(r"^Material change"))).to_be_checked()
    erin.get_by_role("button", name="Submit for review").click()
    expect(erin.get_by_text(re.compile("submitted for review"))).to_be_visible()
    draft = Revision.objects.get(procedure=procedure, status="in_review")

    ada.goto(live_server.url + reverse("procedures:review", kwargs=draft.url_kwargs()))
    expect(ada.get_by_role("radio", name=re.compile(r"^Material change"))).to_be_checked()
    ada.get_by_role("button", name="Approve and publish").click()
    said(ada, "Revision 2 approved")

    # The technician is asked again, sees only what changed, and acknowledges from there.
    tess.goto(live_server.url + procedure.get_absolute_url())
    expect(menu(tess).locator(".to-read-count")).to_have_text(re.compile(r"^1"))
    tess.get_by_role("link", name="See only what changed since you read it").click()
    diff = tess.get_by_role("region", name="Changes since you read it")
    expect(diff).to_contain_text("restore one file from backup job 17")
    expect(diff.locator(".diff-insert")).to_have_count(1)
    expect(diff.locator(".diff-delete")).to_have_count(1)
    expect(diff.get_by_text("Step 2: check the backup job numbered 2.")).to_be_hidden()
    tess.get_by_role("button", name="I have read and understood revision 2").click()
    said(tess, "you have read and understood revision 2")
    expect(tess.locator(".acknowledgement")).to_contain_text("You acknowledged revision 2 on")

    # The approver downloads the compliance CSV: today it shows tess's acknowledgement of
    # revision 2; as of the moment between the two, her acknowledgement of revision 1.
    def csv_rows(query: str = "") -> list[dict]:
        ada.goto(live_server.url + reverse("compliance:report") + query)
        with ada.expect_download() as download:
            ada.get_by_role("link", name="Download CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        return [row for row in csv.DictReader(io.StringIO(text)) if row["username"] == "tess"]

    for query, number in [("", "2"), ("?" + urlencode({"as_of": between}), "1")]:
        (row,) = csv_rows(query)
        assert (row["procedure_title"], row["revision"], row["status"]) == (
            "Nightly backup check",
            number,
            "acknowledged",
        ), query
        assert row["acknowledged_at"] and not row["carried_from_revision"]

    problems = [(w.page.url, w.problems()) for w in watches]
    assert [(url, p) for url, p in problems if any(p.values())] == []
