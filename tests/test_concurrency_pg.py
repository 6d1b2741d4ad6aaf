"""Two approvers approving two drafts of one procedure at the same moment, on PostgreSQL.

Each thread has its own database connection; a barrier releases both at once so the two
transactions really overlap. The procedure row lock (`select_for_update`) makes the second
wait for the first, re-read the procedure, and find its revision out of date.
"""

import threading
import time

import pytest
from django.db import connection, connections

from procedures import workflow
from procedures.models import Procedure, Revision
from tests.test_workflow import publish, write

Status = Revision.Status

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback: the flush after each test would take the role groups with it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL's row locks and concurrent connections "
        "(set DATABASE_URL=postgres://...); SQLite serialises writers anyway",
    ),
]


def run_together(*jobs):
    """Run each job in its own thread and connection, released together; return outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        try:
            # Bounds against a hang, wide enough for a busy machine (threads and
            # connections start slowly there), one total for the joins below.
            barrier.wait(timeout=60)
            outcomes[index] = job()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    for thread in threads:
        thread.join(timeout=max(0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


@pytest.mark.parametrize("with_approved_text", [False, True])
def test_two_approvals_at_once_exactly_one_wins(
    editor, other_editor, approver, other_approver, procedure, with_approved_text
):
    if with_approved_text:
        publish(procedure, editor, other_approver, "The approved text\n")
    first = write(procedure, editor, "First editor's text\n")
    second = write(procedure, other_editor, "Second editor's text\n")

    outcomes = run_together(
        lambda: workflow.revision_approve(revision=first, user=approver),
        lambda: workflow.revision_approve(revision=second, user=other_approver),
    )

    winners = [o for o in outcomes if isinstance(o, Revision)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], workflow.OutOfDate), outcomes
    approved = Revision.objects.filter(procedure=procedure, status=Status.APPROVED)
    assert approved.count() == 1
    procedure = Procedure.objects.get(pk=procedure.pk)
    assert procedure.current_revision_id == winners[0].pk == approved.get().pk
    loser = ({first.pk, second.pk} - {winners[0].pk}).pop()
    assert Revision.objects.get(pk=loser).status == Status.IN_REVIEW
    assert procedure.events.filter(action="approved").count() == 1 + with_approved_text
