"""Read acknowledgements: rules by group and due dates, acknowledging (and every refusal),
material and minor changes, what changed since the last read, To read, the menu's counts."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from compliance import reading, transitions
from compliance.errors import AcknowledgementRefused, ReviewNotAllowed
from compliance.models import (
    Acknowledgement,
    AcknowledgementRequirement,
    AcknowledgementRuleEvent,
    GroupMembershipEvent,
)
from procedures import workflow
from procedures.models import Revision, RevisionEvent
from tests.compliance.helpers import approved_on, days_ago, publish, technicians
from tests.factories import ProcedureFactory, SectionFactory
from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db


def url(name, procedure):
    return reverse(f"compliance:{name}", kwargs=procedure.url_kwargs())


def text(response) -> str:
    return response.content.decode()


def fresh(user):
    """The same user as a new request would see them (no reading state kept on the object)."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def approver():
    return make_user("approver", "alice")


@pytest.fixture
def editor():
    return make_user("editor", "eddie")


@pytest.fixture
def tech():
    user = make_user("reader", "tina")
    user.groups.add(technicians())
    return user


@pytest.fixture
def other_reader():
    return make_user("reader", "oscar")


@pytest.fixture
def section():
    return SectionFactory(numeral="II", title="Service Desk")


@pytest.fixture
def password_policy(section, editor, approver):
    procedure = ProcedureFactory(section=section, title="Prudent Password Policies")
    publish(procedure, editor, approver, "# Passwords\n\nTwelve characters.\n")
    procedure.refresh_from_db()
    return procedure


def require_section(section, approver, *, groups=None, due_days=None):
    return transitions.acknowledgement_require(
        section=section,
        user=approver,
        due_days=due_days,
        groups=[technicians()] if groups is None else groups,
    )


# Rules: who is concerned, set by approvers only, each change an event.


def test_a_section_rule_asks_its_groups_and_a_procedure_rule_takes_precedence(
    section, password_policy, approver, tech, other_reader
):
    require_section(section, approver)
    assert reading.build_state(tech).concerns.keys() == {password_policy.pk}
    assert reading.build_state(other_reader).concerns == {}
    # The procedure's own rule (everyone) replaces its section's (Technicians).
    transitions.acknowledgement_require(
        procedure=password_policy, user=approver, groups=[], due_days=None
    )
    assert reading.build_state(other_reader).concerns.keys() == {password_policy.pk}
    trail = list(AcknowledgementRuleEvent.objects.order_by("pk").values_list("action", "detail"))
    assert trail == [
        ("required", "Technicians, no due date"),
        ("required", "everyone, no due date"),
    ]


def test_only_approvers_require_change_and_remove(section, approver, editor, tech):
    for user in (editor, tech):
        with pytest.raises(ReviewNotAllowed):
            require_section(section, user)
    rule = require_section(section, approver, due_days=14)
    require_section(section, approver, due_days=7)
    rule.refresh_from_db()
    assert rule.due_days == 7
    with pytest.raises(ReviewNotAllowed):
        transitions.acknowledgement_unrequire(section=section, user=editor)
    transitions.acknowledgement_unrequire(section=section, user=approver)
    assert not AcknowledgementRequirement.objects.exists()
    actions = list(AcknowledgementRuleEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["required", "changed", "removed"]


@pytest.mark.parametrize("days", [0, -1, 366, 10_000])
def test_due_days_out_of_range_are_refused_with_the_form_kept(section, approver, days):
    client = client_as(approver)
    where = reverse(
        "compliance:section_require",
        kwargs={"volume": section.volume.number, "section": section.numeral},
    )
    response = client.post(where, {"groups": [technicians().pk], "due_days": str(days)})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Please correct the form" in text(response)
    assert f'value="{days}"' in text(response)
    assert not AcknowledgementRequirement.objects.exists()


def test_due_date_counts_from_the_later_of_approval_and_joining_the_group(section, approver):
    procedure = approved_on(days_ago(30), section=section)
    require_section(section, approver, due_days=14)
    veteran = make_user("reader", "vera")
    GroupMembershipEvent.objects.create(
        person=veteran,
        group=technicians(),
        action="joined",
        at=timezone.now() - datetime.timedelta(days=365),
    )
    veteran.groups.add(technicians())  # the safety net does not record it twice
    assert GroupMembershipEvent.objects.filter(person=veteran, group=technicians()).count() == 1
    new_hire = make_user("reader", "nate")
    new_hire.groups.add(technicians())  # joins today (recorded by the safety net)
    approved = procedure.current_revision.reviewed_at
    assert reading.build_state(veteran).concerns[procedure.pk].due == (
        timezone.localdate(approved) + datetime.timedelta(days=14)
    )
    assert reading.build_state(new_hire).concerns[procedure.pk].due == (
        timezone.localdate() + datetime.timedelta(days=14)
    )


def test_group_changes_are_recorded_from_the_people_transitions_and_the_admin(approver):
    from people import transitions as people

    admin = make_user("superuser", "root")
    person = make_user("reader", "paul")
    people.person_set_roles(person=person, roles=["Editors"], administrator=False, user=admin)
    editors = Group.objects.get(name="Editors")
    readers = Group.objects.get(name="Readers")
    trail = set(GroupMembershipEvent.objects.filter(person=person).values_list("group", "action"))
    assert {(editors.pk, "joined"), (readers.pk, "left")} <= trail
    technicians().user_set.add(person)  # as the admin's group page does
    assert GroupMembershipEvent.objects.filter(
        person=person, group=technicians(), action="joined"
    ).exists()
    person.groups.clear()
    assert GroupMembershipEvent.objects.filter(
        person=person, group=technicians(), action="left"
    ).exists()


# Acknowledging: the current approved revision, once, by someone asked.


def test_a_technician_acknowledges_the_current_revision(section, password_policy, approver, tech):
    require_section(section, approver)
    client = client_as(tech)
    page = text(client.get(password_policy.get_absolute_url()))
    assert "I have read and understood revision 1" in page
    response = client.post(url("acknowledge", password_policy), {"revision": "1"}, follow=True)
    assert "you have read and understood revision 1" in text(response)
    ack = Acknowledgement.objects.get()
    assert (ack.person, ack.revision.number, ack.carried_from) == (tech, 1, None)
    page = text(client.get(password_policy.get_absolute_url()))
    assert "You acknowledged revision 1 on" in page
    assert "I have read and understood" not in page


def test_acknowledging_a_superseded_revision_is_refused(
    section, password_policy, approver, editor, tech
):
    require_section(section, approver)
    publish(password_policy, editor, approver, "# Passwords\n\nFourteen characters.\n")
    response = client_as(tech).post(url("acknowledge", password_policy), {"revision": "1"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Revision 1 is not the current approved text; revision 2 is" in text(response)
    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize("sent", ["", "abc", "-1", "0", "99", "1; DROP TABLE", "9" * 30])
def test_tampered_revision_numbers_are_refused(section, password_policy, approver, tech, sent):
    require_section(section, approver)
    response = client_as(tech).post(url("acknowledge", password_policy), {"revision": sent})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "revision" in text(response)
    assert not Acknowledgement.objects.exists()


def test_a_draft_or_rejected_revision_number_is_no_approved_revision(
    section, password_policy, approver, editor, tech
):
    require_section(section, approver)
    workflow.revision_start_draft(procedure=password_policy, user=editor)  # revision 2, a draft
    response = client_as(tech).post(url("acknowledge", password_policy), {"revision": "2"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "There is no approved revision with that number." in text(response)


def test_another_procedures_revision_is_refused(section, password_policy, approver, tech):
    require_section(section, approver)
    other = approved_on(days_ago(3), section=section)
    with pytest.raises(AcknowledgementRefused, match="not one of this procedure's"):
        transitions.acknowledgement_record(
            procedure=password_policy, revision=other.current_revision, user=tech
        )


def test_a_procedure_that_asks_none_is_refused(password_policy, tech):
    response = client_as(tech).post(url("acknowledge", password_policy), {"revision": "1"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "This procedure asks for no read acknowledgement." in text(response)


def test_someone_not_concerned_is_refused(section, password_policy, approver, other_reader):
    require_section(section, approver)
    response = client_as(other_reader).post(url("acknowledge", password_policy), {"revision": "1"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "asked of other groups, not of you" in text(response)
    assert "I have read and understood" not in text(
        client_as(other_reader).get(password_policy.get_absolute_url())
    )


def test_acknowledging_twice_is_refused(section, password_policy, approver, tech):
    require_section(section, approver)
    client = client_as(tech)
    client.post(url("acknowledge", password_policy), {"revision": "1"})
    response = client.post(url("acknowledge", password_policy), {"revision": "1"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "You already acknowledged revision 1 on" in text(response)
    assert Acknowledgement.objects.count() == 1


def test_acknowledging_needs_a_post_with_a_csrf_token(section, password_policy, approver, tech):
    from django.test import Client

    require_section(section, approver)
    client = Client(enforce_csrf_checks=True)
    client.force_login(tech)
    assert client.get(url("acknowledge", password_policy)).status_code == 405
    response = client.post(url("acknowledge", password_policy), {"revision": "1"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Acknowledgement.objects.exists()


# Material and minor changes.


def test_a_minor_change_carries_acknowledgements_forward(
    section, password_policy, approver, editor, tech
):
    require_section(section, approver)
    first = transitions.acknowledgement_record(
        procedure=password_policy, revision=password_policy.current_revision, user=tech
    )
    revision = publish(
        password_policy, editor, approver, "# Passwords\n\nTwelve characters!\n", change="minor"
    )
    carried = Acknowledgement.objects.get(revision=revision)
    assert (carried.person, carried.carried_from) == (tech, first)
    assert carried.acknowledged_at == revision.reviewed_at  # when it was carried, not read
    page = text(client_as(tech).get(password_policy.get_absolute_url()))
    assert "You acknowledged revision 2 on" in page
    assert "carried forward from an earlier revision" in page
    event = RevisionEvent.objects.get(revision=revision, action="approved")
    assert event.comment.startswith("Minor change")


def test_a_material_change_asks_again(section, password_policy, approver, editor, tech):
    require_section(section, approver)
    transitions.acknowledgement_record(
        procedure=password_policy, revision=password_policy.current_revision, user=tech
    )
    publish(password_policy, editor, approver, "# Passwords\n\nFourteen characters.\n")
    assert Acknowledgement.objects.count() == 1
    page = text(client_as(tech).get(password_policy.get_absolute_url()))
    assert "I have read and understood revision 2" in page
    assert "See only what changed since you read it" in page


def test_the_approver_overrules_the_authors_minor(section, password_policy, approver, editor, tech):
    require_section(section, approver)
    transitions.acknowledgement_record(
        procedure=password_policy, revision=password_policy.current_revision, user=tech
    )
    revision = publish(
        password_policy,
        editor,
        approver,
        "# Passwords\n\nNo more rules.\n",
        change="minor",
        approve_as="material",
    )
    assert revision.change == Revision.Change.MATERIAL
    event = RevisionEvent.objects.get(revision=revision, action="approved")
    assert event.comment == "Material change (the author marked it minor)."
    assert not Acknowledgement.objects.filter(revision=revision).exists()


def test_the_edit_form_saves_the_kind_of_change_and_the_approve_form_shows_it(
    password_policy, editor, approver
):
    draft = workflow.revision_start_draft(procedure=password_policy, user=editor)
    edit = reverse("procedures:revision_edit", kwargs=draft.url_kwargs())
    page = text(client_as(editor).get(edit))
    assert "checked" in radio(page, "material") and "checked" not in radio(page, "minor")
    response = client_as(editor).post(edit, {
        "body": "# Passwords\n\nTwelve  characters.\n", "summary": "Spacing", "version": draft.version,
        "change": "minor", "action": "submit",
    })  # fmt: skip
    assert response.status_code == HTTPStatus.FOUND
    draft.refresh_from_db()
    assert (draft.status, draft.change) == ("in_review", "minor")
    review = text(client_as(approver).get(reverse("procedures:review", kwargs=draft.url_kwargs())))
    assert "checked" in radio(review, "minor") and "checked" not in radio(review, "material")
    response = client_as(approver).post(
        reverse("procedures:approve", kwargs=draft.url_kwargs()), {"comment": "", "change": "bogus"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    draft.refresh_from_db()
    assert draft.status == "in_review"


def radio(page: str, value: str) -> str:
    """Return the <input> tag of the change radio with this value."""
    return re.search(rf'<input[^>]*name="change"[^>]*value="{value}"[^>]*>', page).group(0)


# What changed since you last read it.


def test_since_read_shows_only_the_change(section, password_policy, approver, editor, tech):
    require_section(section, approver)
    lines = [f"Rule {n}." for n in range(1, 41)]
    publish(password_policy, editor, approver, "\n".join(lines) + "\n")
    transitions.acknowledgement_record(
        procedure=password_policy, revision=fresh(password_policy).current_revision, user=tech
    )
    lines[19] = "Rule 20, now with a passphrase."
    publish(password_policy, editor, approver, "\n".join(lines) + "\n")
    page = text(client_as(tech).get(url("since_read", password_policy)))
    assert "Changes from revision 2 to revision 3" in page
    assert "1 line added" in page and "1 line removed" in page
    assert "now with a passphrase" in page
    assert "unchanged lines" in page  # the rest is folded away
    assert "I have read and understood revision 3" in page


def test_since_read_without_an_earlier_acknowledgement_says_so(
    section, password_policy, approver, tech, other_reader
):
    require_section(section, approver)
    page = text(client_as(tech).get(url("since_read", password_policy)))
    assert "You have not acknowledged an earlier revision" in page
    page = text(client_as(other_reader).get(url("since_read", password_policy)))
    assert "asks no read acknowledgement of you" in page


# To read, and the menu's counts.


def test_to_read_lists_overdue_first_then_the_newest(section, approver, tech):
    old = approved_on(days_ago(40), section=section, title="Old and overdue")
    older = approved_on(days_ago(60), section=section, title="Older and overdue")
    recent = approved_on(days_ago(2), section=section, title="Recent")
    newest = approved_on(days_ago(1), section=section, title="Newest")
    GroupMembershipEvent.objects.filter(person=tech).update(
        at=timezone.now() - datetime.timedelta(days=100)
    )
    require_section(section, approver, due_days=14)
    transitions.acknowledgement_record(
        procedure=recent, revision=recent.current_revision, user=tech
    )
    rows = reading.build_state(tech).to_read()
    assert [row["concern"].title for row in rows] == [older.title, old.title, newest.title]
    page = text(client_as(tech).get(reverse("compliance:to_read")))
    assert page.index("Older and overdue") < page.index("Old and overdue") < page.index("Newest")
    assert "2 overdue" in page
    assert 'to-read-count">3<' in page


def test_the_menu_count_follows_acknowledgements(section, password_policy, approver, tech):
    require_section(section, approver)
    client = client_as(tech)
    assert 'to-read-count">1<' in text(client.get("/"))
    client.post(url("acknowledge", password_policy), {"revision": "1"})
    assert "to-read-count" not in text(client.get("/"))


def test_editors_see_their_rejected_work_to_revise_in_the_menu(password_policy, editor, approver):
    draft = workflow.revision_start_draft(procedure=password_policy, user=editor)
    workflow.revision_submit(revision=draft, user=editor, summary="Try")
    client = client_as(editor)
    assert "rejected-count" not in text(client.get("/"))
    workflow.revision_reject(revision=draft, user=approver, comment="Not like this.")
    assert 'rejected-count">1<' in text(client.get("/"))
    workflow.revision_restore(revision=fresh_revision(draft), user=editor)
    revised = Revision.objects.filter(procedure=password_policy, status="draft").get()
    workflow.revision_submit(revision=revised, user=editor, summary="Better")
    assert "rejected-count" not in text(client.get("/"))


def fresh_revision(revision):
    return Revision.objects.get(pk=revision.pk)


def test_my_work_lists_what_to_read(section, password_policy, approver, editor):
    require_section(section, approver, groups=[])  # everyone
    page = text(client_as(editor).get(reverse("procedures:my_work")))
    assert "To read" in page and "Prudent Password Policies" in page.split("to-read-heading")[-1]


# The page cache: one page for every reader, each with their own state.


def test_two_readers_see_their_own_state_from_the_same_cached_page(
    section, password_policy, approver, tech, django_assert_num_queries
):
    from django.core.cache import caches

    require_section(section, approver)
    other_tech = make_user("reader", "theo")
    other_tech.groups.add(technicians())
    transitions.acknowledgement_record(
        procedure=password_policy, revision=password_policy.current_revision, user=tech
    )
    mine, theirs = client_as(tech), client_as(other_tech)
    first = text(mine.get(password_policy.get_absolute_url()))
    pages_cached = len(caches["template_fragments"]._cache)
    second = text(theirs.get(password_policy.get_absolute_url()))
    assert len(caches["template_fragments"]._cache) == pages_cached  # no second page stored
    assert "You acknowledged revision 1" in first and "I have read and understood" not in first
    assert "I have read and understood revision 1" in second
    assert "You acknowledged" not in second
    assert 'to-read-count">1<' in second and "to-read-count" not in first
    assert ">tina<" in first and ">theo<" in second
    # Warm: the reader's page costs the user's row only; their state is one cache lookup.
    with django_assert_num_queries(1):
        assert "I have read and understood" in text(theirs.get(password_policy.get_absolute_url()))


def test_the_state_is_one_cache_lookup_per_request(section, password_policy, approver, tech):
    from unittest import mock

    from django.core.cache import cache

    require_section(section, approver)
    client = client_as(tech)
    client.get(password_policy.get_absolute_url())  # builds and caches the state
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        client.get(password_policy.get_absolute_url())
    state_lookups = [
        c for c in get_many.call_args_list if any("reading-state" in k for k in c.args[0])
    ]
    assert len(state_lookups) == 1


def test_warm_editor_page_stays_at_two_queries(
    section, password_policy, approver, editor, django_assert_num_queries
):
    require_section(section, approver, groups=[])
    client = client_as(editor)
    client.get(password_policy.get_absolute_url())
    with django_assert_num_queries(2):
        page = text(client.get(password_policy.get_absolute_url()))
    assert "I have read and understood revision 1" in page


@pytest.mark.parametrize("size", [1, 30])
def test_the_state_query_count_does_not_grow_with_the_manual(
    section, approver, tech, size, django_assert_max_num_queries
):
    require_section(section, approver, due_days=14)
    for day in range(size):
        procedure = approved_on(days_ago(day + 1), section=section)
        if day % 2:
            transitions.acknowledgement_record(
                procedure=procedure, revision=procedure.current_revision, user=tech
            )
    # The rules and their groups, the person's groups, their joins, the procedures, their
    # acknowledgements; and (cold) the person's permissions for "may they read".
    with django_assert_max_num_queries(9):
        state = reading.build_state(fresh(tech))
    assert state.count == size - size // 2
