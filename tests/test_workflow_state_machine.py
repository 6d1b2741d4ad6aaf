"""Random sequences of edit, save, submit, withdraw, approve, reject, restore, update and
discard by random users (a reader, two editors, two approvers), checked after every step
against the rules that must always hold:

- at most one approved revision per procedure;
- the current revision is always the last one approved;
- no revision's text changes while it is out of draft (withdrawing is the only way back);
- readers never see text that is not published (procedure page, history, revision,
  review and compare URLs);
- a transition succeeds only where `allowed_actions` offers it, and is refused as not allowed
  only where it does not: the buttons and the guards agree.

Each action has two rules: one tries it on any revision by anyone (mostly refused), one
aims it where some button offers it, so that the rarer states (a revision in review gone
out of date, then brought up to date by its author) are reached within a few steps.
"""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from procedures import workflow
from procedures.models import Revision
from tests.factories import ProcedureFactory
from tests.pages import purl, rurl, text

Status = Revision.Status
ROLES = ["editor", "approver", "other_editor", "other_approver", "reader"]
ACTIONS = ["save", "submit", "withdraw", "approve", "reject", "restore", "update", "discard"]
MARKER = re.compile(r"MARK\d{4}")
LINES = 4

users = st.sampled_from(ROLES)
picks = st.integers(min_value=0, max_value=30)


def transition(action: str, revision: Revision, user):
    """Call the workflow function for an action."""
    return {
        "save": lambda: workflow.revision_save_draft(
            revision=revision,
            user=user,
            body=f"{revision.body}More\n",
            summary="More",
            expected_version=revision.version,
        ),
        "submit": lambda: workflow.revision_submit(revision=revision, user=user, summary="Ready"),
        "withdraw": lambda: workflow.revision_withdraw(revision=revision, user=user),
        "approve": lambda: workflow.revision_approve(revision=revision, user=user),
        "reject": lambda: workflow.revision_reject(revision=revision, user=user, comment="No"),
        "restore": lambda: workflow.revision_restore(revision=revision, user=user),
        "update": lambda: workflow.revision_update(revision=revision, user=user),
        "discard": lambda: workflow.revision_discard(revision=revision, user=user),
    }[action]()


def aimed(action: str):
    """A rule doing `action` where some button offers it (only when one does)."""

    @precondition(lambda self: bool(self.offers.get(action)))
    @rule(index=picks)
    def run(self, index):
        offers = self.offers[action]
        revision, role = offers[index % len(offers)]
        self.attempt(action, revision, role)

    run.__name__ = f"{action}_where_offered"
    return run


class WorkflowMachine(RuleBasedStateMachine):
    """One procedure, five people working on it at random."""

    people: dict = {}
    reader_client: Client | None = None

    def __init__(self):
        super().__init__()
        self.procedure = ProcedureFactory()
        self.snapshots: dict[int, str] = {}
        self.last_approved: int | None = None
        self.counter = 0
        self.offers: dict[str, list] = {}
        self.changed = True  # whether anything happened since the reader last looked

    # Helpers.

    def marker(self) -> str:
        self.counter += 1
        return f"MARK{self.counter:04d}"

    def revisions(self) -> list[Revision]:
        return list(
            Revision.objects.filter(procedure=self.procedure)
            .select_related("procedure")
            .order_by("number")
        )

    def any_revision(self, index: int) -> Revision | None:
        revisions = self.revisions()
        return revisions[index % len(revisions)] if revisions else None

    def attempt(self, action: str, revision: Revision, role: str, call=None):
        """Try a transition; check that it agrees with the buttons `allowed_actions` shows."""
        user = self.people[role]
        offered = action in workflow.allowed_actions(revision, user)
        try:
            result = call() if call else transition(action, revision, user)
        except PermissionDenied:
            assert not offered, f"{role} was offered {action} on r{revision.number} but refused"
            return None
        except ValidationError:
            return None  # a state the buttons do not foresee (no summary, out of date, ...)
        assert offered, f"{role} could {action} r{revision.number} without being offered it"
        self.changed = True
        self.check_text_frozen_out_of_draft()  # after every change, not only every step
        if action == "approve":
            self.last_approved = result.pk
        return result

    def new_body(self, old: str, line: int, fresh: bool) -> str:
        if fresh:  # all new text: resolves any marked conflict
            lines = [f"{n}: {self.marker()}" for n in range(LINES)]
        else:  # one line changed, the rest kept: merges get something to merge
            lines = old.splitlines()
            lines += [""] * (LINES - len(lines))
            lines[line] = f"{line}: {self.marker()}"
        return "\n".join(lines) + "\n"

    # Rules.

    @initialize(published=st.booleans())
    def start(self, published):
        """Begin with an empty procedure, or with one approved text to edit and merge."""
        if not published:
            return
        editor, approver = self.people["editor"], self.people["other_approver"]
        draft = workflow.revision_start_draft(procedure=self.procedure, user=editor)
        workflow.revision_save_and_submit(
            revision=draft, user=editor, body=self.new_body("", 0, fresh=True),
            summary="First", expected_version=1,
        )  # fmt: skip
        self.last_approved = workflow.revision_approve(revision=draft, user=approver).pk

    @rule(role=users)
    def edit(self, role):
        try:
            workflow.revision_start_draft(procedure=self.procedure, user=self.people[role])
        except PermissionDenied:
            assert not workflow.can_edit(self.people[role])

    @rule(
        role=users, index=picks, line=st.integers(0, LINES - 1),
        stale=st.sampled_from([False, False, False, True]), fresh=st.booleans(),
        aim=st.booleans(),
    )  # fmt: skip
    def save(self, role, index, line, stale, fresh, aim):
        """Save new text into a draft (aimed: one's own), sometimes from a stale form."""
        if aim and self.offers.get("save"):
            revision, role = self.offers["save"][index % len(self.offers["save"])]
        else:
            revision = self.any_revision(index)
        if revision is None:
            return
        user = self.people[role]

        def save():
            return workflow.revision_save_draft(
                revision=revision,
                user=user,
                body=self.new_body(revision.body, line, fresh),
                summary=f"Summary by {role}",
                expected_version=revision.version - 1 if stale else revision.version,
            )

        if stale and "save" in workflow.allowed_actions(revision, user):
            with pytest.raises(workflow.StaleEdit):
                save()
            assert Revision.objects.get(pk=revision.pk).body == revision.body  # nothing lost
        else:
            self.attempt("save", revision, role, save)

    @rule(role=users)
    def write_and_submit(self, role):
        """What an editor does in one sitting: edit, save new text, submit it."""
        self.edit(role)
        draft = Revision.objects.filter(
            procedure=self.procedure, author=self.people[role], status=Status.DRAFT
        ).first()
        if draft is None:
            return
        body, user = self.new_body("", 0, fresh=True), self.people[role]
        self.attempt("submit", draft, role, lambda: workflow.revision_save_and_submit(
            revision=draft, user=user, body=body, summary="Ready", expected_version=draft.version,
        ))  # fmt: skip

    @rule(actions=st.permutations(ACTIONS), role=users, index=picks, authored=st.booleans())
    def anything(self, actions, role, index, authored):
        """Someone (or, half the time, its author) tries every action on one revision in a
        random order: mostly refused, never wrongly allowed."""
        for action in actions:
            revision = self.any_revision(index)
            if revision is None:
                return
            if authored:
                role = next(r for r in ROLES if self.people[r].pk == revision.author_id)
            self.attempt(action, revision, role)

    save_where_offered = aimed("save")
    submit_where_offered = aimed("submit")
    withdraw_where_offered = aimed("withdraw")
    approve_where_offered = aimed("approve")
    reject_where_offered = aimed("reject")
    restore_where_offered = aimed("restore")
    update_where_offered = aimed("update")
    discard_where_offered = aimed("discard")

    @rule(index=picks)
    def reader_browses(self, index):
        """A reader tries the history, a revision page, its review and a comparison by URL."""
        revision = self.any_revision(index)
        urls = [purl("history", self.procedure)]
        if revision is not None:
            urls += [
                rurl("revision", revision),
                rurl("review", revision),
                purl("compare", self.procedure, f"?from=1&to={revision.number}"),
            ]
        for url in urls:
            response = self.reader_client.get(url)
            assert response.status_code < 500, url
            self.assert_no_unpublished_text(text(response), url)

    # Invariants.

    def assert_no_unpublished_text(self, page: str, url: str) -> None:
        published, unpublished = set(), set()
        for revision in self.revisions():
            found = set(MARKER.findall(revision.body))
            if revision.status in (Status.APPROVED, Status.SUPERSEDED):
                published |= found
            else:
                unpublished |= found
        leaked = (unpublished - published) & set(MARKER.findall(page))
        assert not leaked, f"{url} shows a reader unpublished text {leaked}"

    @invariant()
    def at_most_one_approved(self):
        approved = Revision.objects.filter(procedure=self.procedure, status=Status.APPROVED)
        assert approved.count() <= 1

    @invariant()
    def current_is_the_last_approved(self):
        self.procedure.refresh_from_db(fields=["current_revision"])
        assert self.procedure.current_revision_id == self.last_approved
        if self.last_approved is not None:
            assert Revision.objects.get(pk=self.last_approved).status == Status.APPROVED

    @invariant()
    def text_is_frozen_out_of_draft(self):
        self.check_text_frozen_out_of_draft()

    def check_text_frozen_out_of_draft(self):
        for revision in self.revisions():
            if revision.status == Status.DRAFT:
                self.snapshots.pop(revision.pk, None)  # withdrawn: its author may edit again
            elif revision.pk in self.snapshots:
                assert revision.body == self.snapshots[revision.pk], (
                    f"r{revision.number} changed while {revision.status}"
                )
            else:
                self.snapshots[revision.pk] = revision.body

    @invariant()
    def readers_never_see_unpublished_text(self):
        if not self.changed:
            return
        self.changed = False
        url = self.procedure.get_absolute_url()
        self.assert_no_unpublished_text(text(self.reader_client.get(url)), url)

    @invariant()
    def note_what_is_offered(self):
        """Not a rule: remember which buttons anyone has now, for the aimed rules."""
        offers: dict[str, list] = {}
        for revision in self.revisions():
            for role in ROLES:
                for action in workflow.allowed_actions(revision, self.people[role]):
                    offers.setdefault(action, []).append((revision, role))
        self.offers = offers


@pytest.mark.django_db
def test_random_sequences_keep_the_rules(reader, editor, other_editor, approver, other_approver):
    WorkflowMachine.people = {
        "reader": reader,
        "editor": editor,
        "other_editor": other_editor,
        "approver": approver,
        "other_approver": other_approver,
    }
    WorkflowMachine.reader_client = Client()
    WorkflowMachine.reader_client.force_login(reader)
    run_state_machine_as_test(
        WorkflowMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
