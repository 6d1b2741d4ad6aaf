"""Who may open which URL: the access matrix, one row per URL pattern of the site.

tests/test_access_matrix.py checks every cell, fails when a URL pattern has no row (so a new
view cannot be forgotten), checks that every POST row refuses GET, and that no reader reaches
draft text by any URL here; tests/test_robustness.py sends generated input to every row.
`make access-matrix` prints the table with each pattern's route.

Reading a row: the method the URL is for, then what each role gets:
    200, 403, 404, 405 ...  that status
    LOGIN                   a redirect to the login page (the site's, or Django's admin's)
    302                     a redirect somewhere else
A "POST" row is a state-changing URL: its cells are what a POST gets, and a GET must be
refused with 405 by every role that reaches the view.

Adding a page: add its row to MATRIX; if its URL takes arguments, say in EXAMPLES how to
build them from the World (the objects every matrix test starts with); if it is a POST, put
the form data it needs in POST_DATA. The admin (admin/...) has its own permission checks;
a few of its URLs are in the matrix as a sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from procedures.models import Procedure, Revision
from tests.factories import ProcedureFactory, RevisionFactory, SectionFactory, VolumeFactory
from tests.roles import ROLES, make_user

LOGIN = "LOGIN"

# fmt: off
# URL name                                  method  anonymous  reader  editor  approver  superuser
MATRIX: dict[str, tuple] = {
    "procedures:contents":                   ("GET",  LOGIN,     200,    200,    200,      200),
    "procedures:volume":                     ("GET",  LOGIN,     200,    200,    200,      200),
    "procedures:section":                    ("GET",  LOGIN,     200,    200,    200,      200),
    "procedures:procedure":                  ("GET",  LOGIN,     200,    200,    200,      200),
    "procedures:procedure_list":             ("GET",  LOGIN,     200,    200,    200,      200),
    "procedures:search":                     ("GET",  LOGIN,     200,    200,    200,      200),
    "procedures:history":                    ("GET",  LOGIN,     200,    200,    200,      200),
    # Issue 15: a reader's own star, and the beacon that notes a visit (204, no content).
    "procedures:favourite":                  ("POST", LOGIN,     302,    302,    302,      302),
    "procedures:viewed":                     ("POST", LOGIN,     204,    204,    204,      204),
    # Without ?from=N&to=M there is nothing to compare: a clear 400 (test_views_history has the rest).
    "procedures:compare":                    ("GET",  LOGIN,     400,    400,    400,      400),
    "procedures:my_work":                    ("GET",  LOGIN,     200,    200,    200,      200),
    "procedures:review_queue":               ("GET",  LOGIN,     403,    403,    200,      200),
    # The revision in review, by another editor: not for readers.
    "procedures:revision":                   ("GET",  LOGIN,     403,    200,    200,      200),
    "procedures:review":                     ("GET",  LOGIN,     403,    200,    200,      200),
    # The editor's own draft: nobody else may open it, not even a superuser.
    "procedures:revision_edit":              ("GET",  LOGIN,     403,    200,    403,      403),
    # The edit page's autosave (JSON): the author's draft only.
    "procedures:autosave":                   ("POST", LOGIN,     403,    200,    403,      403),
    "procedures:edit":                       ("GET",  LOGIN,     403,    302,    200,      200),
    "procedures:procedure_create":           ("GET",  LOGIN,     403,    200,    200,      200),
    "procedures:start_draft":                ("POST", LOGIN,     403,    302,    302,      302),
    "procedures:preview":                    ("POST", LOGIN,     403,    200,    200,      200),
    # The edit page's [[link]] title suggestions (JSON, ?q=): editors, not readers.
    "procedures:procedure_titles":           ("GET",  LOGIN,     403,    200,    200,      200),
    "procedures:submit":                     ("POST", LOGIN,     403,    302,    403,      403),
    "procedures:discard":                    ("POST", LOGIN,     403,    302,    403,      403),
    # The draft is up to date: bringing it up to date is refused as a conflict (409).
    "procedures:update":                     ("POST", LOGIN,     403,    409,    403,      403),
    # Only the author may withdraw; the revision in review is another editor's.
    "procedures:withdraw":                   ("POST", LOGIN,     403,    403,    403,      403),
    "procedures:approve":                    ("POST", LOGIN,     403,    403,    302,      302),
    "procedures:reject":                     ("POST", LOGIN,     403,    403,    302,      302),
    # The editor has an open draft already: a restore would bury it, so it is refused (409).
    "procedures:restore":                    ("POST", LOGIN,     403,    409,    302,      302),
    # Issue 13. A file in the revision in review: editors and approvers, never readers (404,
    # as for no file at all). The display copy of a file only in the editor's own draft.
    "attachments:file":                      ("GET",  LOGIN,     404,    200,    200,      200),
    "attachments:display":                   ("GET",  LOGIN,     404,    200,    404,      404),
    # Upload to the editor's own draft; sent without a file, it is a clear 400.
    "attachments:upload":                    ("POST", LOGIN,     403,    400,    403,      403),
    # Issue 16: checklist runs. Every reader lists, starts and works runs; approvers manage
    # clients and reopen runs. Completing a run with steps still to do is a conflict (409).
    "checklists:runs":                       ("GET",  LOGIN,     200,    200,    200,      200),
    "checklists:my_runs":                    ("GET",  LOGIN,     200,    200,    200,      200),
    "checklists:runs_csv":                   ("GET",  LOGIN,     200,    200,    200,      200),
    "checklists:start":                      ("GET",  LOGIN,     200,    200,    200,      200),
    "checklists:run":                        ("GET",  LOGIN,     200,    200,    200,      200),
    # The run's evidence as PDF: whoever may see the run page (503 where WeasyPrint is missing).
    "checklists:run_pdf":                    ("GET",  LOGIN,     200,    200,    200,      200),
    "checklists:step":                       ("POST", LOGIN,     302,    302,    302,      302),
    "checklists:complete":                   ("POST", LOGIN,     409,    409,    409,      409),
    "checklists:abandon":                    ("POST", LOGIN,     302,    302,    302,      302),
    # The example run is abandoned: only approvers may reopen it.
    "checklists:reopen":                     ("POST", LOGIN,     403,    403,    302,      302),
    "checklists:clients":                    ("GET",  LOGIN,     403,    403,    200,      200),
    "checklists:client_add":                 ("GET",  LOGIN,     403,    403,    200,      200),
    "checklists:client":                     ("GET",  LOGIN,     200,    200,    200,      200),
    "checklists:client_edit":                ("GET",  LOGIN,     403,    403,    200,      200),
    "checklists:client_archive":             ("POST", LOGIN,     403,    403,    302,      302),
    # Schedules: every reader sees them; approvers (who manage clients) add, edit, pause,
    # resume and end them. The transitions refuse the others' POSTs (403).
    "checklists:schedule":                   ("GET",  LOGIN,     200,    200,    200,      200),
    "checklists:schedule_add":               ("GET",  LOGIN,     403,    403,    200,      200),
    "checklists:schedule_edit":              ("GET",  LOGIN,     403,    403,    200,      200),
    "checklists:schedule_pause":             ("POST", LOGIN,     403,    403,    302,      302),
    # The example is a paused schedule.
    "checklists:schedule_resume":            ("POST", LOGIN,     403,    403,    302,      302),
    "checklists:schedule_end":               ("POST", LOGIN,     403,    403,    302,      302),
    # Issue 17. Every reader may export what they can read (approved text); importing is for
    # administrators who may also add and edit procedures (here only the superuser is staff).
    "transfer:export_manual":                ("GET",  LOGIN,     200,    200,    200,      200),
    "transfer:export_volume":                ("GET",  LOGIN,     200,    200,    200,      200),
    "transfer:export_section":               ("GET",  LOGIN,     200,    200,    200,      200),
    "transfer:export_procedure":             ("GET",  LOGIN,     200,    200,    200,      200),
    "transfer:import":                       ("GET",  LOGIN,     403,    403,    403,      200),
    # Issue 14. Owners and review dates are open to every reader; the approver owns the
    # procedure, so they (and the superuser, an approver) may confirm its review.
    "compliance:due":                        ("GET",  LOGIN,     200,    200,    200,      200),
    "compliance:procedure_review":           ("GET",  LOGIN,     200,    200,    200,      200),
    "compliance:set_owner":                  ("POST", LOGIN,     403,    403,    302,      302),
    "compliance:set_interval":               ("POST", LOGIN,     403,    403,    302,      302),
    "compliance:confirm":                    ("POST", LOGIN,     403,    403,    302,      302),
    # Issue 14, retiring and reorganising: approvers only (their POSTs are in
    # tests/test_reorganising.py; the reorder pages take POST too, up and down buttons).
    "procedures:reorganise":                 ("GET",  LOGIN,     403,    403,    200,      200),
    "procedures:archive":                    ("POST", LOGIN,     403,    403,    302,      302),
    "procedures:section_order":              ("GET",  LOGIN,     403,    403,    200,      200),
    # Issue 15: approvers offer a procedure as a template and choose a section's default.
    "procedures:mark_template":              ("POST", LOGIN,     403,    403,    302,      302),
    "procedures:section_template":           ("POST", LOGIN,     403,    403,    302,      302),
    "procedures:volume_order":               ("GET",  LOGIN,     403,    403,    200,      200),
    # The compliance report: every reader (their own rows; approvers and the superuser
    # everyone's). The example person is the reader: their own page, not the editor's.
    "compliance:report":                     ("GET",  LOGIN,     200,    200,    200,      200),
    "compliance:report_csv":                 ("GET",  LOGIN,     200,    200,    200,      200),
    "compliance:report_procedure":           ("GET",  LOGIN,     200,    200,    200,      200),
    "compliance:report_person":              ("GET",  LOGIN,     200,    403,    200,      200),
    # Issue 14, read acknowledgements. Everyone sees who must read what and their own list;
    # approvers set the rules. The world's procedure asks everyone (acknowledgement_rule):
    # each reader acknowledges it, and sees what changed since they read it.
    "compliance:to_read":                    ("GET",  LOGIN,     200,    200,    200,      200),
    "compliance:procedure_acknowledgements": ("GET",  LOGIN,     200,    200,    200,      200),
    "compliance:section_acknowledgements":   ("GET",  LOGIN,     200,    200,    200,      200),
    "compliance:require":                    ("POST", LOGIN,     403,    403,    302,      302),
    "compliance:unrequire":                  ("POST", LOGIN,     403,    403,    302,      302),
    "compliance:section_require":            ("POST", LOGIN,     403,    403,    302,      302),
    "compliance:section_unrequire":          ("POST", LOGIN,     403,    403,    302,      302),
    "compliance:acknowledge":                ("POST", LOGIN,     302,    302,    302,      302),
    "compliance:since_read":                 ("GET",  LOGIN,     200,    200,    200,      200),
    "login":                                 ("GET",  200,       302,    302,    302,      302),
    "logout":                                ("POST", LOGIN,     LOGIN,  LOGIN,  LOGIN,    LOGIN),
    "password_change":                       ("GET",  LOGIN,     200,    200,    200,      200),
    "password_change_done":                  ("GET",  LOGIN,     200,    200,    200,      200),
    # Issue 18: password reset by email, for everyone (signed in or not). The example link is
    # altered (no token in the session): a clear 400.
    "password_reset":                        ("GET",  200,       200,    200,    200,      200),
    "password_reset_done":                   ("GET",  200,       200,    200,    200,      200),
    "password_reset_confirm":                ("GET",  400,       400,    400,    400,      400),
    "password_reset_complete":               ("GET",  200,       200,    200,    200,      200),
    "invitation":                            ("GET",  400,       400,    400,    400,      400),
    # Issue 18: signing in with the directory (OpenID Connect). Not set up in these tests:
    # 404 for everyone (tests/people/test_oidc.py and tests/browser/test_oidc.py set it up).
    "oidc_authentication_init":              ("GET",  404,       404,    404,    404,      404),
    "oidc_authentication_callback":          ("GET",  404,       404,    404,    404,      404),
    # The People pages: administrators only (here the superuser); the example person is the
    # reader, whose own page they may open. Names of approvers and owners: every reader.
    "people:list":                           ("GET",  LOGIN,     403,    403,    403,      200),
    "people:who":                            ("GET",  LOGIN,     200,    200,    200,      200),
    "people:me":                             ("GET",  LOGIN,     200,    200,    200,      200),
    "people:person":                         ("GET",  LOGIN,     200,    403,    403,      200),
    # Sent empty, an invitation is a form error (400).
    "people:invite":                         ("POST", LOGIN,     403,    403,    403,      400),
    "people:roles":                          ("POST", LOGIN,     403,    403,    403,      302),
    "people:deactivate":                     ("POST", LOGIN,     403,    403,    403,      302),
    # The reader has a password: an invitation again is refused as a conflict (409).
    "people:reinvite":                       ("POST", LOGIN,     403,    403,    403,      409),
    # The reader is active: reactivating is refused as a conflict (409).
    "people:reactivate":                     ("POST", LOGIN,     403,    403,    403,      409),
    # The second factor (TOTP): each person's own; an empty confirmation or switch-off is a
    # form error (400); starting shows a new key (200). The reader has none to reset (409).
    # The code step of signing in, with no sign-in waiting for a code: back to the login page.
    "second_factor_login":                   ("GET",  LOGIN,     LOGIN,  LOGIN,  LOGIN,    LOGIN),
    "people:second_factor":                  ("GET",  LOGIN,     200,    200,    200,      200),
    "people:second_factor_start":            ("POST", LOGIN,     200,    200,    200,      200),
    "people:second_factor_confirm":          ("POST", LOGIN,     400,    400,    400,      400),
    "people:second_factor_off":              ("POST", LOGIN,     400,    400,    400,      400),
    "people:second_factor_reset":            ("POST", LOGIN,     403,    403,    403,      409),
    # A sample of the admin: staff only. Nobody but the superuser is staff here.
    "admin:index":                           ("GET",  LOGIN,     LOGIN,  LOGIN,  LOGIN,    200),
    "admin:login":                           ("GET",  200,       200,    200,    200,      302),
    "admin:procedures_revision_changelist":  ("GET",  LOGIN,     LOGIN,  LOGIN,  LOGIN,    200),
    "admin:procedures_revision_change":      ("GET",  LOGIN,     LOGIN,  LOGIN,  LOGIN,    200),
    "admin:auth_user_changelist":            ("GET",  LOGIN,     LOGIN,  LOGIN,  LOGIN,    200),
    # Forms with related fields (an autocomplete, a multiple choice), fuzzed by test_robustness.
    "admin:procedures_procedure_add":        ("GET",  LOGIN,     LOGIN,  LOGIN,  LOGIN,    200),
    "admin:auth_user_change":                ("GET",  LOGIN,     LOGIN,  LOGIN,  LOGIN,    200),
}
# fmt: on

# Text that only unpublished revisions contain: no reader may ever see it.
UNPUBLISHED_MARKERS = {
    Revision.Status.DRAFT: "zqx-draft-marker-4417",
    Revision.Status.IN_REVIEW: "zqx-in-review-marker-5521",
    Revision.Status.REJECTED: "zqx-rejected-marker-6630",
}


@dataclass
class World:
    """What every matrix test starts from: one person per role and a procedure with
    revisions in every state (the draft is the editor's own)."""

    users: dict
    volume: Any
    section: Any
    procedure: Any
    approved: Revision
    superseded: Revision
    draft: Revision
    in_review: Revision
    rejected: Revision
    unwritten: Any

    @property
    def revisions(self) -> list[Revision]:
        return [self.approved, self.superseded, self.draft, self.in_review, self.rejected]


def build_world() -> World:
    users = {role: make_user(role) for role in ROLES}
    editor, approver = users["editor"], users["approver"]
    volume = VolumeFactory(number=1, title="Operations")
    section = SectionFactory(volume=volume, numeral="II", title="Service desk", position=1)
    procedure = ProcedureFactory(
        section=section, title="Password resets", slug="password-resets", owner=approver
    )
    unwritten = ProcedureFactory(section=section, title="Not written yet", slug="not-written")
    now = timezone.now()
    decided = {"reviewer": approver, "reviewed_at": now, "submitted_at": now}
    superseded = RevisionFactory(
        procedure=procedure, author=editor, status=Revision.Status.SUPERSEDED,
        body="# Old\n\nThe text approved before.", **decided,
    )  # fmt: skip
    approved = RevisionFactory(
        procedure=procedure, author=editor, status=Revision.Status.APPROVED,
        body="# Resets\n\nThe approved text.", based_on=superseded, **decided,
    )  # fmt: skip
    procedure.current_revision = approved
    procedure.save(update_fields=["current_revision"])
    other_editor = make_user("editor", username="other-editor")
    rejected = RevisionFactory(
        procedure=procedure, author=other_editor, status=Revision.Status.REJECTED,
        review_comment="Not like this.", based_on=approved,
        body=f"Rejected text {UNPUBLISHED_MARKERS[Revision.Status.REJECTED]}", **decided,
    )  # fmt: skip
    in_review = RevisionFactory(
        procedure=procedure, author=other_editor, status=Revision.Status.IN_REVIEW,
        submitted_at=now, based_on=approved,
        body=f"Text in review {UNPUBLISHED_MARKERS[Revision.Status.IN_REVIEW]}",
    )  # fmt: skip
    draft = RevisionFactory(
        procedure=procedure, author=editor, status=Revision.Status.DRAFT, based_on=approved,
        body=f"Draft text {UNPUBLISHED_MARKERS[Revision.Status.DRAFT]}",
    )  # fmt: skip
    return World(
        users=users, volume=volume, section=section, procedure=procedure, approved=approved,
        superseded=superseded, draft=draft, in_review=in_review, rejected=rejected,
        unwritten=unwritten,
    )  # fmt: skip


# How to fill in each URL's arguments from the World.
EXAMPLES: dict[str, Callable[[World], dict]] = {
    "procedures:volume": lambda w: {"volume": w.volume.number},
    "procedures:section": lambda w: {"volume": w.volume.number, "section": w.section.numeral},
    "procedures:procedure": lambda w: w.procedure.url_kwargs(),
    "admin:procedures_revision_change": lambda w: {"object_id": w.draft.pk},
    "admin:auth_user_change": lambda w: {"object_id": w.users["reader"].pk},
    "procedures:history": lambda w: w.procedure.url_kwargs(),
    "procedures:favourite": lambda w: w.procedure.url_kwargs(),
    "procedures:viewed": lambda w: w.procedure.url_kwargs(),
    "procedures:compare": lambda w: w.procedure.url_kwargs(),
    "procedures:edit": lambda w: w.procedure.url_kwargs(),
    "procedures:start_draft": lambda w: w.procedure.url_kwargs(),
    "procedures:procedure_create": lambda w: {
        "volume": w.volume.number,
        "section": w.section.numeral,
    },
    "procedures:reorganise": lambda w: w.procedure.url_kwargs(),
    "procedures:archive": lambda w: w.procedure.url_kwargs(),
    "procedures:mark_template": lambda w: w.procedure.url_kwargs(),
    "procedures:section_template": lambda w: {
        "volume": w.volume.number,
        "section": w.section.numeral,
    },
    "procedures:section_order": lambda w: {
        "volume": w.volume.number,
        "section": w.section.numeral,
    },
    "procedures:volume_order": lambda w: {"volume": w.volume.number},
    "procedures:revision": lambda w: w.in_review.url_kwargs(),
    "procedures:review": lambda w: w.in_review.url_kwargs(),
    "procedures:revision_edit": lambda w: w.draft.url_kwargs(),
    "procedures:autosave": lambda w: w.draft.url_kwargs(),
    "procedures:submit": lambda w: w.draft.url_kwargs(),
    "procedures:discard": lambda w: w.draft.url_kwargs(),
    "procedures:update": lambda w: w.draft.url_kwargs(),
    "procedures:withdraw": lambda w: w.in_review.url_kwargs(),
    "procedures:approve": lambda w: w.in_review.url_kwargs(),
    "procedures:reject": lambda w: w.in_review.url_kwargs(),
    "procedures:restore": lambda w: w.approved.url_kwargs(),
    "attachments:file": lambda w: _file_kwargs(in_review_file(w)),
    "attachments:display": lambda w: _file_kwargs(draft_wide_image(w)),
    "attachments:upload": lambda w: {"revision_id": w.draft.pk},
    "checklists:start": lambda w: {"revision_id": checklist_revision(w).pk},
    "checklists:run": lambda w: {"pk": open_run(w).pk},
    "checklists:run_pdf": lambda w: {"pk": open_run(w).pk},
    "checklists:step": lambda w: {"pk": open_run(w).pk, "step_id": open_run(w).steps.first().pk},
    "checklists:complete": lambda w: {"pk": open_run(w).pk},
    "checklists:abandon": lambda w: {"pk": open_run(w).pk},
    "checklists:reopen": lambda w: {"pk": abandoned_run(w).pk},
    "checklists:client": lambda w: {"code": run_client(w).code},
    "checklists:client_edit": lambda w: {"code": run_client(w).code},
    "checklists:client_archive": lambda w: {"code": run_client(w).code},
    "checklists:schedule": lambda w: {"pk": schedule(w).pk},
    "checklists:schedule_edit": lambda w: {"pk": schedule(w).pk},
    "checklists:schedule_pause": lambda w: {"pk": schedule(w).pk},
    "checklists:schedule_resume": lambda w: {"pk": paused_schedule(w).pk},
    "checklists:schedule_end": lambda w: {"pk": schedule(w).pk},
    "transfer:export_manual": lambda w: {"fmt": "html"},
    "transfer:export_volume": lambda w: {"fmt": "markdown", "volume": w.volume.number},
    "transfer:export_section": lambda w: {
        "fmt": "html",
        "volume": w.volume.number,
        "section": w.section.numeral,
    },
    "transfer:export_procedure": lambda w: {"fmt": "html", **w.procedure.url_kwargs()},
    "compliance:procedure_review": lambda w: w.procedure.url_kwargs(),
    "compliance:set_owner": lambda w: w.procedure.url_kwargs(),
    "compliance:set_interval": lambda w: w.procedure.url_kwargs(),
    "compliance:confirm": lambda w: w.procedure.url_kwargs(),
    "compliance:report_procedure": lambda w: w.procedure.url_kwargs(),
    "compliance:report_person": lambda w: {"pk": w.users["reader"].pk},
    "compliance:procedure_acknowledgements": lambda w: acknowledgement_rule(w, "procedure"),
    "compliance:require": lambda w: w.procedure.url_kwargs(),
    "compliance:unrequire": lambda w: acknowledgement_rule(w, "procedure"),
    "compliance:acknowledge": lambda w: acknowledgement_rule(w, "procedure"),
    "compliance:since_read": lambda w: acknowledgement_rule(w, "procedure"),
    "compliance:section_acknowledgements": lambda w: acknowledgement_rule(w, "section"),
    "compliance:section_require": lambda w: {
        "volume": w.volume.number,
        "section": w.section.numeral,
    },
    "compliance:section_unrequire": lambda w: acknowledgement_rule(w, "section"),
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "invitation": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "people:person": lambda w: {"pk": w.users["reader"].pk},
    "people:roles": lambda w: {"pk": w.users["reader"].pk},
    "people:deactivate": lambda w: {"pk": w.users["reader"].pk},
    "people:reactivate": lambda w: {"pk": w.users["reader"].pk},
    "people:reinvite": lambda w: {"pk": w.users["reader"].pk},
    "people:second_factor_reset": lambda w: {"pk": w.users["reader"].pk},
}


def _once(world: World, name: str, make: Callable[[], Any]) -> Any:
    """Make an object for the world the first time an example asks for it."""
    if name not in world.__dict__:
        world.__dict__[name] = make()
    return world.__dict__[name]


def checklist_revision(world: World) -> Revision:
    """An approved revision with task items (another procedure in the world's section)."""
    from tests.factories import approved_revision

    def make():
        procedure = ProcedureFactory(section=world.section, title="Onboarding", slug="onboarding")
        body = "# Accounts\n\n- [ ] Create the account\n- [ ] Send the welcome mail\n"
        return approved_revision(procedure, body=body, reviewer=world.users["approver"])

    return _once(world, "checklist_revision", make)


def acknowledgement_rule(world: World, scope: str) -> dict:
    """Issue 14: the world's procedure (or its section) asks everyone to acknowledge it;
    return the URL keywords of the procedure (or the section)."""
    from compliance.models import AcknowledgementRequirement

    target = world.procedure if scope == "procedure" else world.section
    _once(world, f"rule_{scope}", lambda: AcknowledgementRequirement.objects.create(
        **{scope: target}, created_by=world.users["approver"]))  # fmt: skip
    if scope == "procedure":
        return world.procedure.url_kwargs()
    return {"volume": world.volume.number, "section": world.section.numeral}


def run_client(world: World):
    from checklists.models import Client

    return _once(world, "run_client", lambda: Client.objects.create(name="Acme", code="ACME"))


def open_run(world: World):
    from checklists.transitions import run_start

    return _once(
        world, "open_run",
        lambda: run_start(
            revision=checklist_revision(world), client=run_client(world),
            user=world.users["reader"], ticket="T-1",
        ),
    )  # fmt: skip


def abandoned_run(world: World):
    from checklists.transitions import run_abandon, run_start

    def make():
        run = run_start(
            revision=checklist_revision(world), client=run_client(world),
            user=world.users["reader"],
        )  # fmt: skip
        return run_abandon(run=run, user=world.users["reader"], reason="Client cancelled")

    return _once(world, "abandoned_run", make)


def schedule(world: World):
    """The monthly schedule of the checklist procedure for the run client (the approver's)."""
    from checklists.transitions import schedule_create

    return _once(
        world, "schedule",
        lambda: schedule_create(
            user=world.users["approver"], client=run_client(world),
            procedure=checklist_revision(world).procedure, frequency="monthly", weekday=0,
        ),
    )  # fmt: skip


def paused_schedule(world: World):
    from checklists.transitions import schedule_create, schedule_pause

    def make():
        made = schedule_create(
            user=world.users["approver"], client=run_client(world),
            procedure=checklist_revision(world).procedure, frequency="weekly", weekday=4,
        )  # fmt: skip
        return schedule_pause(schedule=made, user=world.users["approver"])

    return _once(world, "paused_schedule", make)


def in_review_file(world: World):
    """A text file referred to by the revision in review; its content is unpublished text."""
    from tests.attachments.files import store_for

    marker = UNPUBLISHED_MARKERS[Revision.Status.IN_REVIEW]
    return store_for(world.in_review, f"In review only: {marker}\n".encode(), "notes.txt")


def draft_wide_image(world: World):
    """A screenshot wide enough for a display copy, referred to only by the editor's draft."""
    from tests.attachments.files import image_bytes, store_for

    return store_for(world.draft, image_bytes(size=(1700, 20)), "wide.png")


def _a_template(world: World) -> int:
    """Offer the World's approved procedure as a template; return its id."""
    Procedure.objects.filter(pk=world.procedure.pk).update(is_template=True)
    return world.procedure.pk


def _file_kwargs(attachment) -> dict:
    return {"key": attachment.sha256, "name": attachment.name}


# Form data a POST row needs to do its work (everything else is sent empty).
POST_DATA: dict[str, Callable[[World], dict]] = {
    "procedures:reject": lambda w: {"comment": "Add the escalation step."},
    "procedures:preview": lambda w: {"body": "# Preview\n\nText."},
    "procedures:favourite": lambda w: {"starred": "1"},
    "checklists:step": lambda w: {"action": "tick", "version": 1},
    "checklists:abandon": lambda w: {"reason": "Client cancelled"},
    "checklists:reopen": lambda w: {"reason": "Client rebooked"},
    "checklists:schedule_end": lambda w: {"reason": "Contract over"},
    "procedures:autosave": lambda w: {"body": "Autosaved", "version": w.draft.version},
    "compliance:set_owner": lambda w: {"owner": w.users["approver"].pk},
    "compliance:set_interval": lambda w: {"interval_months": "6"},
    "compliance:confirm": lambda w: {"comment": "Read it again; still right."},
    "procedures:archive": lambda w: {"reason": "Replaced by the self-service portal."},
    "procedures:mark_template": lambda w: {"on": "1"},
    "procedures:section_template": lambda w: {"template": _a_template(w)},
    "compliance:acknowledge": lambda w: {"revision": w.approved.number},
    "compliance:require": lambda w: {"due_days": "14"},
    "compliance:section_require": lambda w: {"due_days": "14"},
}


@dataclass(frozen=True)
class Pattern:
    name: str | None
    route: str
    converters: dict  # argument name -> converter class name ("int", "slug", ...)

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def url_patterns() -> Iterator[Pattern]:
    """Yield every URL pattern of the site, with its namespaced name and full route."""

    def walk(patterns, prefix, namespace, converters):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace])) or None
                yield from walk(
                    entry.url_patterns,
                    prefix + str(entry.pattern),
                    inner,
                    {**converters, **entry.pattern.converters},
                )
            elif isinstance(entry, URLPattern):
                name = entry.name and ":".join(filter(None, [namespace, entry.name]))
                types = {
                    arg: type(conv).__name__.removesuffix("Converter").lower()
                    for arg, conv in {**converters, **entry.pattern.converters}.items()
                }
                yield Pattern(name=name, route=prefix + str(entry.pattern), converters=types)

    yield from walk(get_resolver().url_patterns, "", None, {})


def row(name: str) -> dict:
    """Return a matrix row as {"method": ..., role: expected, ...}."""
    method, *cells = MATRIX[name]
    return {"method": method, **dict(zip(ROLES, cells, strict=True))}


def example_url(name: str, world: World) -> str:
    kwargs = EXAMPLES[name](world) if name in EXAMPLES else {}
    return reverse(name, kwargs=kwargs)


def outcome(response) -> int | str:
    """Describe a response the way the matrix does."""
    if response.status_code == 302 and "/login/" in response["Location"]:
        return LOGIN
    return response.status_code


def render_matrix() -> str:
    """Return the matrix as one text table, with each URL's route."""
    routes = {p.name: p.route for p in url_patterns()}
    header = ["URL name", "route", "method", *ROLES]
    lines = [header]
    for name in MATRIX:
        cells = row(name)
        lines.append(
            [name, "/" + routes.get(name, "?"), cells["method"], *(str(cells[r]) for r in ROLES)]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    ]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(text)
