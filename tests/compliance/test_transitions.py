"""Owners, intervals and "reviewed, no change": who may, what is written, what readers see."""

import datetime

import pytest
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from compliance import selectors, transitions
from compliance.dates import add_months
from compliance.errors import ReviewNotAllowed, ReviewRefused
from compliance.models import ProcedureReview, ReviewEvent, SectionReviewInterval
from procedures import caching
from tests.compliance.helpers import approved_on
from tests.factories import ProcedureFactory, UserFactory
from tests.roles import make_user

pytestmark = pytest.mark.django_db
D = datetime.date


def dates_of(procedure):
    return selectors.procedure_review(procedure.pk)


@override_settings(SOP_REVIEW_INTERVAL_MONTHS=12)
def test_interval_from_installation_section_and_procedure():
    procedure = approved_on(D(2025, 1, 31))
    assert (dates_of(procedure).interval_from, dates_of(procedure).next_review) == (
        "installation",
        D(2026, 1, 31),
    )
    SectionReviewInterval.objects.create(section=procedure.section, months=6)
    assert (dates_of(procedure).interval_from, dates_of(procedure).next_review) == (
        "section",
        D(2025, 7, 31),
    )
    transitions.procedure_set_review_interval(
        procedure=procedure, months=1, user=make_user("approver")
    )
    assert (dates_of(procedure).interval_from, dates_of(procedure).next_review) == (
        "procedure",
        D(2025, 2, 28),
    )
    transitions.procedure_set_review_interval(
        procedure=procedure, months=None, user=make_user("approver")
    )
    assert dates_of(procedure).interval_from == "section"


@override_settings(SOP_REVIEW_INTERVAL_MONTHS=3)
def test_the_installation_default_comes_from_the_setting():
    procedure = approved_on(D(2025, 11, 30))
    assert dates_of(procedure).next_review == D(2026, 2, 28)


def test_confirm_without_change_resets_the_date_and_records_an_event():
    procedure = approved_on(D(2020, 1, 1))
    owner = UserFactory()
    procedure.owner = owner
    procedure.save()
    current = procedure.current_revision_id
    revisions = procedure.revisions.count()
    before = caching.current(caching.MANUAL)
    transitions.procedure_confirm_review(procedure=procedure, comment="Still right.", user=owner)
    assert caching.current(caching.MANUAL) != before  # readers' pages show the new date
    dates = dates_of(procedure)
    assert dates.last_reviewed == timezone.localdate()
    assert dates.next_review == add_months(timezone.localdate(), 12)
    assert dates.state == "current"
    procedure.refresh_from_db()
    assert procedure.current_revision_id == current
    assert procedure.revisions.count() == revisions  # no new revision
    event = ReviewEvent.objects.get()
    assert (event.action, event.actor, event.comment, event.revision_id) == (
        ReviewEvent.Action.CONFIRMED, owner, "Still right.", current,
    )  # fmt: skip


def test_an_approver_may_confirm_a_procedure_they_do_not_own():
    procedure = approved_on(D(2020, 1, 1), owner=UserFactory())
    approver = make_user("approver")
    transitions.procedure_confirm_review(procedure=procedure, comment="Checked.", user=approver)
    assert ProcedureReview.objects.get(procedure=procedure).last_reviewed_by == approver


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_nobody_else_may_confirm(role):
    procedure = approved_on(D(2020, 1, 1), owner=UserFactory())
    with pytest.raises(ReviewNotAllowed):
        transitions.procedure_confirm_review(
            procedure=procedure, comment="Checked.", user=make_user(role)
        )
    assert not ReviewEvent.objects.exists()


def test_an_inactive_owner_may_not_confirm():
    owner = UserFactory(is_active=False)
    procedure = approved_on(D(2020, 1, 1), owner=owner)
    with pytest.raises(ReviewNotAllowed):
        transitions.procedure_confirm_review(procedure=procedure, comment="x", user=owner)


def test_confirm_needs_a_comment_and_approved_text():
    approver = make_user("approver")
    procedure = approved_on(D(2020, 1, 1))
    with pytest.raises(ReviewRefused) as refused:
        transitions.procedure_confirm_review(procedure=procedure, comment="  ", user=approver)
    assert refused.value.code == "comment"
    with pytest.raises(ReviewRefused) as refused:
        transitions.procedure_confirm_review(
            procedure=ProcedureFactory(), comment="Fine.", user=approver
        )
    assert refused.value.code == "not_published"
    assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_only_approvers_set_owner_and_interval(role):
    procedure = approved_on(D(2020, 1, 1))
    user = make_user(role)
    with pytest.raises(ReviewNotAllowed):
        transitions.procedure_set_owner(procedure=procedure, owner=user, user=user)
    with pytest.raises(ReviewNotAllowed):
        transitions.procedure_set_review_interval(procedure=procedure, months=6, user=user)
    procedure.refresh_from_db()
    assert procedure.owner is None
    assert not ProcedureReview.objects.exists()


def test_the_owner_may_not_change_their_own_interval_or_hand_on_ownership():
    owner = make_user("editor")
    procedure = approved_on(D(2020, 1, 1), owner=owner)
    with pytest.raises(ReviewNotAllowed):
        transitions.procedure_set_review_interval(procedure=procedure, months=120, user=owner)
    with pytest.raises(ReviewNotAllowed):
        transitions.procedure_set_owner(procedure=procedure, owner=None, user=owner)


def test_setting_the_owner_records_who_and_shows_readers():
    approver, owner = make_user("approver"), UserFactory(first_name="Ada", last_name="Byron")
    procedure = approved_on(D(2020, 1, 1))
    before = caching.current(caching.MANUAL)
    transitions.procedure_set_owner(procedure=procedure, owner=owner, user=approver)
    assert caching.current(caching.MANUAL) != before
    procedure.refresh_from_db()
    assert procedure.owner == owner
    event = ReviewEvent.objects.get()
    assert (event.action, event.actor, event.detail) == (
        ReviewEvent.Action.OWNER_SET, approver, "nobody → Ada Byron",
    )  # fmt: skip
    transitions.procedure_set_owner(procedure=procedure, owner=owner, user=approver)
    assert ReviewEvent.objects.count() == 1  # no change, no event


def test_an_inactive_user_cannot_become_owner():
    procedure = approved_on(D(2020, 1, 1))
    with pytest.raises(ReviewRefused):
        transitions.procedure_set_owner(
            procedure=procedure, owner=UserFactory(is_active=False), user=make_user("approver")
        )


@pytest.mark.parametrize("months", [0, -1, 121, 120_000])
def test_intervals_out_of_range_are_refused(months):
    procedure = approved_on(D(2020, 1, 1))
    with pytest.raises(ReviewRefused) as refused:
        transitions.procedure_set_review_interval(
            procedure=procedure, months=months, user=make_user("approver")
        )
    assert refused.value.code == "interval"


@pytest.mark.parametrize("months", [0, 121])
def test_the_database_refuses_intervals_out_of_range(months):
    procedure = approved_on(D(2020, 1, 1))
    with pytest.raises(IntegrityError):
        ProcedureReview.objects.create(procedure=procedure, interval_months=months)


@pytest.mark.parametrize("months", [0, 121])
def test_the_database_refuses_section_intervals_out_of_range(months):
    procedure = approved_on(D(2020, 1, 1))
    with pytest.raises(IntegrityError):
        SectionReviewInterval.objects.create(section=procedure.section, months=months)


def test_a_confirmed_review_event_needs_a_comment_in_the_database():
    procedure = approved_on(D(2020, 1, 1))
    with pytest.raises(IntegrityError):
        ReviewEvent.objects.create(
            procedure=procedure, actor=UserFactory(), action=ReviewEvent.Action.CONFIRMED
        )
