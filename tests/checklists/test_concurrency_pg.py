"""Two technicians on one run at the same moment, on PostgreSQL, each with a connection.

Both load the page (step version 1) and send a change to the same step together: the row
lock makes the second wait, re-read the step and refuse its stale change. Changes to two
different steps both go through.
"""

import pytest
from django.db import connection

from checklists import transitions
from checklists.errors import StaleStep
from checklists.models import RunEvent, Step
from tests.roles import make_user
from tests.test_concurrency_pg import run_together

from .helpers import make_run

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL's row locks and concurrent connections (DATABASE_URL)",
    ),
]


def test_two_changes_to_one_step_at_once_exactly_one_applies():
    first, second = make_user("reader", username="tech-1"), make_user("reader", username="tech-2")
    run = make_run(user=first)
    step = run.steps.first()
    outcomes = run_together(
        lambda: transitions.step_tick(step=step, user=first, version=1),
        lambda: transitions.step_skip(step=step, user=second, version=1, reason="Not here"),
    )
    applied = [o for o in outcomes if isinstance(o, Step)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(applied) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], StaleStep)
    step.refresh_from_db()
    assert step.version == 2
    assert (step.state, step.changed_by) == (applied[0].state, applied[0].changed_by)
    assert RunEvent.objects.filter(step=step).count() == 1


def test_two_technicians_on_two_steps_both_apply():
    first, second = make_user("reader", username="tech-1"), make_user("reader", username="tech-2")
    run = make_run(user=first)
    one, two = run.steps.all()[:2]
    outcomes = run_together(
        lambda: transitions.step_tick(step=one, user=first, version=1),
        lambda: transitions.step_tick(step=two, user=second, version=1),
    )
    assert all(isinstance(o, Step) for o in outcomes), outcomes
    assert run.steps.filter(state="done").count() == 2
