"""Two stories told end to end in Chromium, every step through the site's own pages.

1. A procedure from its first draft to a reader: the administrator adds an editor, an
   approver and a reader in Django's admin; the editor adds a procedure to a section, writes
   it (a table, a checklist, a [[link]]), previews it and submits it; the approver rejects it
   with a comment; the editor revises it; the approver approves it; the reader finds it by
   searching and reads it.
2. Two editors change one procedure at once and nothing is lost: a save from a stale second
   tab is refused and shown beside the saved text; of two drafts submitted together, the
   second is out of date once the first is approved and is brought up to date by a
   three-way merge that keeps both; an overlapping change is marked as a conflict, cannot
   be submitted with its markers, and is resolved in the text box.

The test itself makes only the administrator (and loads the manual's table of contents);
everyone else is added in the admin, and everything after that is clicking and typing. The
database is read only to know what date the page should show. Every page is watched: no
script error, no failed resource, no Content-Security-Policy violation (Chromium reports
each violation on the console, so one on any page visited counts, not only on the last).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from playwright.sync_api import Page, expect

from procedures.models import Revision


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    group: str
    password: str = "Lantern-quarry-58-mosaic"  # passes the site's password validators

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def email(self) -> str:
        return f"{self.username}@example.test"


EDITOR = Person("erin", "Erin", "Editor", "Editors")
SECOND_EDITOR = Person("lou", "Lou", "Later", "Editors")
APPROVER = Person("ada", "Ada", "Approver", "Approvers")
READER = Person("rita", "Rita", "Reader", "Readers")


class Office:
    """Everyone at their own browser (a context each, closed at the end), every page watched."""

    def __init__(self, browser, context_args, log_in, watch):
        self.browser = browser
        self.context_args = context_args
        self._log_in = log_in
        self._watch = watch
        self.contexts = []
        self.watches = []

    def watch(self, tab: Page) -> Page:
        self.watches.append(self._watch(tab))
        return tab

    def log_in(self, person: Person) -> Page:
        """Open a browser of the person's own and log in through the login form."""
        context = self.browser.new_context(**self.context_args)
        self.contexts.append(context)
        tab = self.watch(context.new_page())
        self._log_in(tab, person.username, person.password)
        return tab

    def new_tab(self, tab: Page) -> Page:
        """Open a second tab in the same browser (same person, same session)."""
        return self.watch(tab.context.new_page())

    def problems(self) -> list:
        """Return (URL, problems) for every watched page that had any."""
        found = [(w.page.url, w.problems()) for w in self.watches]
        return [(url, problems) for url, problems in found if any(problems.values())]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def office(browser, browser_context_args, log_in, watch):
    office = Office(browser, browser_context_args, log_in, watch)
    yield office
    office.close()


# Steps a person takes, in the words of the pages.


def menu(tab: Page):
    """The site's navigation bar, on top of every page."""
    return tab.get_by_role("navigation", name="Main")


def said(tab: Page, text: str) -> None:
    """Expect the page's message (Django's messages, role alert) to say `text`."""
    expect(tab.get_by_role("alert").filter(has_text=text)).to_be_visible()


def add_people(admin: Page, *people: Person) -> None:
    """In Django's admin: add each person with a password, a name, an address and a group."""
    menu(admin).get_by_role("link", name="Admin", exact=True).click()
    admin.get_by_role("link", name="Users", exact=True).click()
    admin.get_by_role("link", name="Add user").click()
    for index, person in enumerate(people):
        admin.get_by_label("Username").fill(person.username)
        admin.get_by_label("Password:", exact=True).fill(person.password)
        admin.get_by_label("Password confirmation").fill(person.password)
        admin.get_by_role("button", name="Save", exact=True).click()
        expect(
            admin.get_by_text(f"The user “{person.username}” was added successfully.")
        ).to_be_visible()
        # Name, address and groups are on the second page, as always in Django's admin.
        admin.get_by_label("First name").fill(person.first_name)
        admin.get_by_label("Last name").fill(person.last_name)
        admin.get_by_label("Email address").fill(person.email)
        # The groups widget is the admin's own JavaScript (SelectFilter2), under the CSP.
        admin.get_by_role("listbox", name=re.compile(r"^Available groups")).select_option(
            person.group
        )
        admin.get_by_role("button", name="Choose selected groups").click()
        expect(
            admin.get_by_role("listbox", name=re.compile(r"^Chosen groups")).get_by_role("option")
        ).to_have_text([person.group])
        last = index == len(people) - 1
        admin.get_by_role(
            "button", name="Save" if last else "Save and add another", exact=True
        ).click()
        expect(
            admin.get_by_text(f"The user “{person.username}” was changed successfully.")
        ).to_be_visible()
    for person in people:
        expect(admin.get_by_role("row").filter(has_text=person.email)).to_contain_text(
            person.first_name
        )


def open_from_contents(tab: Page, title: str) -> None:
    menu(tab).get_by_role("link", name="Contents", exact=True).click()
    tab.get_by_role("link", name=title, exact=True).click()
    expect(tab.get_by_role("heading", name=title, level=1)).to_be_visible()


def start_draft(tab: Page, title: str, number: int) -> None:
    """From the procedure's page: Edit, which starts the person's draft."""
    open_from_contents(tab, title)
    tab.get_by_role("button", name="Edit", exact=True).click()
    said(tab, f"Editing your draft, revision {number}.")
    expect(tab.get_by_role("heading", name=f"Editing “{title}”")).to_be_visible()


def text_box(tab: Page):
    return tab.get_by_label("Text (Markdown)")


def submit(tab: Page, number: int, summary: str | None = None) -> None:
    """On the edit page: (give a change summary and) submit the text in the form."""
    if summary is not None:
        tab.get_by_label("Change summary").fill(summary)
    tab.get_by_role("button", name="Submit for review").click()
    said(tab, f"Revision {number} submitted for review.")


def open_review(tab: Page, title: str, author: Person, *, out_of_date: bool = False):
    """From the review queue, open the author's revision of the procedure."""
    menu(tab).get_by_role("link", name=re.compile(r"^Review queue")).click()
    expect(tab.get_by_role("heading", name="Review queue")).to_be_visible()
    row = tab.get_by_role("row").filter(has_text=title).filter(has_text=author.full_name)
    expect(row).to_be_visible()
    badge = row.get_by_text("out of date")
    if out_of_date:
        expect(badge).to_be_visible()
    else:
        expect(badge).to_have_count(0)
    row.get_by_role("link", name="Review").click()
    expect(
        tab.get_by_role("heading", name=re.compile(rf"^Review: “{re.escape(title)}”"))
    ).to_be_visible()


def changes(tab: Page, against: str = "the approved text"):
    """The review page's diff against the approved text (or "the rejected revision")."""
    name = "Changes since the rejected revision" if against != "the approved text" else ""
    return tab.get_by_role("region", name=name or f"Changes against {against}", exact=True)


def approve(tab: Page, number: int, comment: str = "") -> None:
    tab.get_by_label("Comment").fill(comment)
    tab.get_by_role("button", name="Approve and publish").click()
    said(tab, f"Revision {number} approved: it is now the text everyone reads.")


def shown_date(procedure_title: str) -> str:
    """The approval date of the procedure's approved text, as the site prints it."""
    revision = Revision.objects.get(
        procedure__title=procedure_title, status=Revision.Status.APPROVED
    )
    return format_date(timezone.localtime(revision.reviewed_at), "j M Y")


# Story 1.

DRILL = "Quarterly Restore Drill"
DRILL_SECTION = "Section III · Service Focus: Backups and Disaster Recovery"
DRILL_URL = "/manual/4/iii/quarterly-restore-drill/"
DRILL_WORD = "Restorix"  # in the body only: the search finds the text, not the title
DRILL_FIRST = """\
Once a quarter we prove that a client's backups restore, before anyone needs them.
Restores are run from the Restorix console.

## What you need

| Item | Who | Where |
| --- | --- | --- |
| Restore target | Technician | Lab hypervisor |
| Sign-off sheet | Service manager | Client folder |

## Checklist

- [ ] Pick one server at random from the client's list
- [ ] Restore last night's backup of it to the lab
- [ ] Log in and open the line-of-business application

New technicians rehearse this at [[Final Friday Training]].
"""
REJECTION = "Restore two servers, not one, and say who signs the sheet."
DRILL_FIXED = """\
Once a quarter we prove that a client's backups restore, before anyone needs them.
Restores are run from the Restorix console.

## What you need

| Item | Who | Where |
| --- | --- | --- |
| Restore target | Technician | Lab hypervisor |
| Sign-off sheet | Service manager | Client folder |

## Checklist

- [ ] Pick two servers at random from the client's list
- [ ] Restore last night's backup of each to the lab
- [ ] Log in and open the line-of-business application
- [ ] The service manager signs the sheet

New technicians rehearse this at [[Final Friday Training]].
"""
FINAL_FRIDAY_URL = "/manual/3/ii/final-friday-training/"


def expect_drill_rendered(area, checkboxes: int) -> None:
    """The table, the checklist and the [[link]] of the drill, rendered."""
    expect(area.get_by_role("table")).to_be_visible()
    expect(area.get_by_role("columnheader", name="Where")).to_be_visible()
    expect(area.get_by_role("cell", name="Lab hypervisor")).to_be_visible()
    boxes = area.get_by_role("checkbox")
    expect(boxes).to_have_count(checkboxes)
    for index in range(checkboxes):
        expect(boxes.nth(index)).not_to_be_checked()
        expect(boxes.nth(index)).to_be_disabled()
    expect(area.get_by_role("link", name="Final Friday Training")).to_have_attribute(
        "href", FINAL_FRIDAY_URL
    )


def test_procedure_from_first_draft_to_reader(
    page, live_server, log_in, watch, office, superuser, manual, mailoutbox
):
    # The administrator adds the team in Django's admin.
    admin = office.watch(page)
    log_in(admin, superuser)
    add_people(admin, EDITOR, APPROVER, READER)

    # The editor adds a procedure to a section and writes it.
    editor = office.log_in(EDITOR)
    editor.get_by_role("link", name=DRILL_SECTION).click()
    editor.get_by_role("link", name="Add a procedure to this section").click()
    editor.get_by_label("Title").fill(DRILL)
    editor.get_by_role("button", name="Add procedure").click()
    said(editor, f"“{DRILL}” added to the section.")
    expect(editor).to_have_url(live_server.url + DRILL_URL)
    expect(editor.get_by_text("Not yet written.")).to_be_visible()
    editor.get_by_role("button", name="Edit", exact=True).click()
    said(editor, "Editing your draft, revision 1.")
    text_box(editor).fill(DRILL_FIRST)
    # The live preview (static/js/preview.js) renders as the editor types...
    preview = editor.get_by_role("region", name=re.compile(r"^Preview"))
    expect_drill_rendered(preview, checkboxes=3)
    # ...and the Preview button renders the same on the server, without saving.
    editor.get_by_role("button", name="Preview", exact=True).click()
    expect(
        editor.get_by_role("heading", name="Preview of the text in the form (not saved)")
    ).to_be_visible()
    expect_drill_rendered(editor.get_by_role("region", name=re.compile(r"^Preview")), 3)
    expect(text_box(editor)).to_have_value(DRILL_FIRST)
    submit(editor, 1, summary="First text of the quarterly restore drill")

    # The approver finds it in the review queue, reads the changes and rejects it.
    approver = office.log_in(APPROVER)
    expect(menu(approver).get_by_role("link", name=re.compile(r"^Review queue"))).to_have_text(
        re.compile(r"Review queue\s*1\s*waiting")
    )
    open_review(approver, DRILL, EDITOR)
    expect(changes(approver)).to_contain_text("| Restore target | Technician | Lab hypervisor |")
    lines = len(DRILL_FIRST.splitlines())
    expect(approver.get_by_text(f"{lines} lines added, 0 lines removed")).to_be_visible()
    approver.get_by_label("Comment").fill(REJECTION)
    approver.get_by_role("button", name="Reject").click()
    said(approver, "Revision 1 rejected; its author has been told why.")
    expect(approver.get_by_text("Nothing waits for review.")).to_be_visible()

    # The editor reads the comment under My work, revises the text and resubmits.
    menu(editor).get_by_role("link", name="My work").click()
    rejected = editor.get_by_role("region", name="Rejected, to revise")
    expect(rejected).to_contain_text(f"Rejected by {APPROVER.full_name}")
    expect(rejected).to_contain_text(REJECTION)
    rejected.get_by_role("link", name=DRILL).click()
    rejection = editor.get_by_role("status").filter(has_text=f"Rejected by {APPROVER.full_name}")
    expect(rejection).to_contain_text(REJECTION)
    editor.get_by_role("button", name="Revise").click()
    said(editor, "Revision 2 started as your draft from the text of revision 1.")
    expect(text_box(editor)).to_have_value(DRILL_FIRST)
    text_box(editor).fill(DRILL_FIXED)
    expect(preview.get_by_role("checkbox")).to_have_count(4)
    submit(editor, 2, summary="Two servers; the service manager signs the sheet")

    # The approver approves the revised text.
    open_review(approver, DRILL, EDITOR)
    # A resubmission is shown against the rejected revision first: the fix (issue 15).
    expect(
        approver.get_by_role("heading", name="Changes since rejected revision 1 (the fix)")
    ).to_be_visible()
    expect(changes(approver, "the rejected revision")).to_contain_text(
        "The service manager signs the sheet"
    )
    approve(approver, 2, comment="Clear, thank you.")
    expect(approver).to_have_url(live_server.url + DRILL_URL)

    # A reader searches for a word of the text from the page header and reads it.
    reader = office.log_in(READER)
    header_search = menu(reader).get_by_role("search")
    header_search.get_by_role("searchbox", name="Search the manual").fill(DRILL_WORD)
    header_search.get_by_role("button", name="Search").click()
    expect(reader.get_by_text("1 procedure matches.")).to_be_visible()
    reader.get_by_role("link", name=DRILL, exact=True).click()
    expect(reader).to_have_url(live_server.url + DRILL_URL)
    expect(reader.get_by_role("heading", name=DRILL, level=1)).to_be_visible()
    expect(reader.locator(".revision-meta")).to_have_text(
        f"Revision 2 · approved by {APPROVER.full_name} on {shown_date(DRILL)}"
    )
    body = reader.get_by_role("article")
    expect(body).to_contain_text("The service manager signs the sheet")
    expect_drill_rendered(body, checkboxes=4)
    expect(reader.get_by_role("button", name="Edit")).to_have_count(0)  # a reader edits nothing
    body.get_by_role("link", name="Final Friday Training").click()
    expect(reader).to_have_url(live_server.url + FINAL_FRIDAY_URL)
    expect(reader.get_by_role("heading", name="Final Friday Training", level=1)).to_be_visible()
    linked_from = reader.get_by_role("complementary", name="Linked from")
    expect(linked_from.get_by_role("link", name=DRILL)).to_have_attribute("href", DRILL_URL)

    # Everyone was told by mail along the way; the approvers include the administrator.
    assert [(m.subject, sorted(m.to)) for m in mailoutbox] == [
        (f"Review requested: {DRILL} (revision 1)", [APPROVER.email, superuser.email]),
        (f"Changes requested: {DRILL} (revision 1)", [EDITOR.email]),
        (f"Review requested: {DRILL} (revision 2)", [APPROVER.email, superuser.email]),
        (f"Approved: {DRILL} (revision 2)", [EDITOR.email]),
    ]
    assert office.problems() == []


# Story 2.

BACKUPS = "Backups 1: Defining Your Client Backup"
BACKUPS_V1 = """\
Every client has one written backup definition, kept in the client folder.

Scope: every server we manage for the client.

Retention: thirty daily copies.

Offsite: one copy leaves the building each night.

Owner: the service manager reviews it every year.
"""
# The first editor's changes (one made in each of two tabs), the second editor's change.
SCOPE = ("every server we manage", "every server and every cloud mailbox we manage")
RETENTION = ("thirty daily copies", "thirty daily and twelve monthly copies")
OWNER = ("the service manager reviews", "the account manager reviews")
# Then both change the same line.
OFFSITE_BASE = "Offsite: one copy leaves the building each night."
OFFSITE_FIRST = "Offsite: two copies leave the building each night."
OFFSITE_SECOND = "Offsite: the nightly copy goes to the cloud vault."
OFFSITE_RESOLVED = "Offsite: two copies leave the building each night, one to the cloud vault."


def changed(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    return text


def test_two_editors_concurrent_drafts_lose_nothing(
    page, live_server, log_in, watch, office, superuser, manual
):
    admin = office.watch(page)
    log_in(admin, superuser)
    add_people(admin, EDITOR, SECOND_EDITOR, APPROVER, READER)

    # The procedure gets its first approved text.
    first = office.log_in(EDITOR)
    start_draft(first, BACKUPS, 1)
    text_box(first).fill(BACKUPS_V1)
    submit(first, 1, summary="First text")
    approver = office.log_in(APPROVER)
    open_review(approver, BACKUPS, EDITOR)
    approve(approver, 1)

    # Both editors open a draft of it.
    start_draft(first, BACKUPS, 2)
    second = office.log_in(SECOND_EDITOR)
    start_draft(second, BACKUPS, 3)
    expect(text_box(second)).to_have_value(BACKUPS_V1)

    # The first editor has the draft open in two tabs and saves in both: the later save is
    # refused and shows both texts; combining them loses neither.
    other_tab = office.new_tab(first)
    other_tab.goto(live_server.url + "/")
    menu(other_tab).get_by_role("link", name="My work").click()
    other_tab.get_by_role("region", name="My drafts").get_by_role("link", name=BACKUPS).click()
    expect(text_box(other_tab)).to_have_value(BACKUPS_V1)
    text_box(first).fill(changed(BACKUPS_V1, SCOPE))
    first.get_by_role("button", name="Save draft").click()
    said(first, "Draft saved (revision 2).")
    text_box(other_tab).fill(changed(BACKUPS_V1, RETENTION))
    other_tab.get_by_role("button", name="Save draft").click()
    said(other_tab, "This draft was saved from another window after you opened it.")
    expect(other_tab.get_by_label("Saved text")).to_have_value(changed(BACKUPS_V1, SCOPE))
    expect(text_box(other_tab)).to_have_value(changed(BACKUPS_V1, RETENTION))
    text_box(other_tab).fill(changed(BACKUPS_V1, SCOPE, RETENTION))
    submit(other_tab, 2, summary="Cloud mailboxes are in scope; monthly copies kept")

    # The second editor changes another paragraph and submits too.
    text_box(second).fill(changed(BACKUPS_V1, OWNER))
    submit(second, 3, summary="The account manager owns the definition")

    # The approver approves the first; the second is now out of date and cannot be approved.
    open_review(approver, BACKUPS, EDITOR)
    approve(approver, 2)
    open_review(approver, BACKUPS, SECOND_EDITOR, out_of_date=True)
    expect(
        approver.get_by_text("This revision cannot be approved: it is out of date.")
    ).to_be_visible()
    expect(approver.get_by_role("button", name="Approve and publish")).to_be_disabled()

    # The second editor is told, and brings the draft up to date: both changes are kept.
    menu(second).get_by_role("link", name="My work").click()
    in_review = second.get_by_role("region", name="In review")
    expect(in_review.get_by_text("out of date: bring it up to date")).to_be_visible()
    in_review.get_by_role("link", name=BACKUPS).click()
    expect(second.get_by_text("Out of date: revision 2 was approved")).to_be_visible()
    second.get_by_role("button", name="Bring up to date").click()
    said(second, "Merged the changes of approved revision 2 into your draft; no conflicts.")
    expect(text_box(second)).to_have_value(changed(BACKUPS_V1, SCOPE, RETENTION, OWNER))
    submit(second, 3)

    open_review(approver, BACKUPS, SECOND_EDITOR)
    expect(approver.get_by_text("1 line added, 1 line removed")).to_be_visible()
    approve(approver, 3)
    for text in (SCOPE[1], RETENTION[1], OWNER[1]):  # on the page everyone reads
        expect(approver.get_by_role("article")).to_contain_text(text)

    # Now both change the same line. The second to be approved gets conflict markers.
    start_draft(first, BACKUPS, 4)
    start_draft(second, BACKUPS, 5)
    text_box(first).fill(
        changed(BACKUPS_V1, SCOPE, RETENTION, OWNER, (OFFSITE_BASE, OFFSITE_FIRST))
    )
    submit(first, 4, summary="Two offsite copies")
    text_box(second).fill(
        changed(BACKUPS_V1, SCOPE, RETENTION, OWNER, (OFFSITE_BASE, OFFSITE_SECOND))
    )
    submit(second, 5, summary="Offsite copies go to the cloud vault")
    open_review(approver, BACKUPS, EDITOR)
    approve(approver, 4)

    menu(second).get_by_role("link", name="My work").click()
    second.get_by_role("region", name="In review").get_by_role("link", name=BACKUPS).click()
    second.get_by_role("button", name="Bring up to date").click()
    said(second, "1 place(s) where you both changed the same lines are marked")
    expect(second.get_by_text("1 conflict to resolve.")).to_be_visible()
    marked = text_box(second).input_value()
    conflict = (
        f"<<<<<<< your draft\n{OFFSITE_SECOND}\n=======\n{OFFSITE_FIRST}\n"
        ">>>>>>> approved revision 4\n"
    )
    assert conflict in marked
    # The preview shows each side in a box named after it.
    boxes = second.get_by_role("region", name=re.compile(r"^Preview")).locator(".admonition")
    expect(boxes).to_have_count(2)
    expect(boxes.first).to_have_text(
        re.compile(rf"Conflict: your draft\s+{re.escape(OFFSITE_SECOND)}")
    )
    expect(boxes.last).to_have_text(
        re.compile(rf"Conflict: approved revision 4\s+{re.escape(OFFSITE_FIRST)}")
    )
    # Markers left in: submitting is refused and the text stays in the form.
    second.get_by_role("button", name="Submit for review").click()
    said(second, "The draft still holds marked conflicts")
    expect(text_box(second)).to_have_value(marked)
    # Resolved in the text box: it goes through.
    text_box(second).fill(marked.replace(conflict, OFFSITE_RESOLVED + "\n"))
    submit(second, 5)
    open_review(approver, BACKUPS, SECOND_EDITOR)
    approve(approver, 5)

    # A reader sees every change of both editors.
    reader = office.log_in(READER)
    open_from_contents(reader, BACKUPS)
    expect(reader.locator(".revision-meta")).to_have_text(
        f"Revision 5 · approved by {APPROVER.full_name} on {shown_date(BACKUPS)}"
    )
    body = reader.get_by_role("article")
    for text in (SCOPE[1], RETENTION[1], OWNER[1], OFFSITE_RESOLVED):
        expect(body).to_contain_text(text)
    expect(body).not_to_contain_text("<<<<<<<")
    assert office.problems() == []
