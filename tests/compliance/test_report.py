"""The compliance report: rows (acknowledged, outstanding, overdue, carried), group
completion, filters, the CSV, as of a past date, who may see whose, and bad input."""

import csv
import io
from http import HTTPStatus

import pytest
from django.urls import reverse

from compliance import obligations, report
from compliance.models import AcknowledgementRequirement
from tests.compliance.ack_world import acknowledge, at, build_world, history, member
from tests.factories import ProcedureFactory, UserFactory
from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db

REPORT = reverse("compliance:report")
CSV = reverse("compliance:report_csv")


@pytest.fixture
def world():
    return build_world()


def _rows(viewer, **options):
    from procedures.models import Procedure

    built = report.build(Procedure.objects.all(), viewer=viewer, **options)
    return {(row.procedure.slug, row.person.username): row for row in built.rows}


def _csv(response):
    assert response.status_code == HTTPStatus.OK
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_rows_today_acknowledged_carried_overdue_and_outstanding(world):
    rows = _rows(make_user("approver"))
    tara = rows["prudent-password-policies", "tara"]
    assert tara.status == "acknowledged" and tara.revision.number == 5
    assert tara.carried_from == 4 and tara.acknowledged_at == at(3, 10)
    tom = rows["prudent-password-policies", "tom"]
    # r5 approved on 10 March, tom in the group since 20 February: due 14 days after approval.
    assert (tom.status, tom.required_since, tom.due) == ("overdue", at(3, 10), at(3, 24))
    lena = rows["prudent-password-policies", "lena"]
    # Joined after the approval: owes it from her joining, due 14 days after that.
    assert (lena.required_since, lena.due, lena.status) == (at(3, 15), at(3, 29), "overdue")
    # Not a Technician (any more): not asked.
    assert ("prudent-password-policies", "ollie") not in rows
    assert ("prudent-password-policies", "rita") not in rows
    # The section asks everyone who may read, with no due date: outstanding, never overdue.
    rita = rows["read-me-first", "rita"]
    assert (rita.status, rita.due, rita.acknowledged_at) == ("outstanding", None, None)
    assert ("read-me-first", "approver-of-record") not in rows  # deactivated: may not read


def test_as_of_a_past_date_answers_from_the_records(world):
    rows = _rows(make_user("approver"), as_of=at(3, 1, hour=23))
    tara = rows["prudent-password-policies", "tara"]
    assert (tara.revision.number, tara.status, tara.carried_from) == (4, "acknowledged", None)
    assert tara.acknowledged_at == at(2, 5)
    tom = rows["prudent-password-policies", "tom"]
    # He read r4 on 2 March: on 1 March it was still outstanding, since his joining, not late.
    assert (tom.revision.number, tom.status, tom.required_since) == (4, "outstanding", at(2, 20))
    assert rows["prudent-password-policies", "ollie"].status == "overdue"  # a member then
    assert ("prudent-password-policies", "lena") not in rows  # joined later
    # Today the same people stand differently.
    today = _rows(make_user("approver", username="approver-2"))
    assert today["prudent-password-policies", "tom"].revision.number == 5
    assert ("prudent-password-policies", "ollie") not in today


def test_as_of_page_and_csv_name_the_revision_current_then(world):
    client = client_as(make_user("approver"))
    page = client.get(reverse(
        "compliance:report_procedure", kwargs=world.passwords.url_kwargs()
    ), {"as_of": "2026-03-01"})  # fmt: skip
    assert page.status_code == HTTPStatus.OK
    assert b"Revision 4</strong>" in page.content
    assert b"As the records stood on" in page.content
    lines = _csv(client.get(CSV, {"as_of": "2026-03-01", "group": world.technicians.pk}))
    passwords = [line for line in lines if line["procedure_title"] == "Prudent Password Policies"]
    assert {(line["username"], line["revision"], line["status"]) for line in passwords} == {
        ("tara", "4", "acknowledged"), ("tom", "4", "outstanding"), ("ollie", "4", "overdue"),
    }  # fmt: skip
    assert {line["report_as_of"] for line in lines} == {"2026-03-01T23:59:59.999999+00:00"}


def test_a_procedures_own_requirement_wins_over_its_sections(world):
    AcknowledgementRequirement.objects.create(
        procedure=world.everyone, due_days=3, created_by=world.people["rita"]
    ).groups.add(world.technicians)
    rows = _rows(make_user("approver"))
    assert ("read-me-first", "rita") not in rows
    assert rows["read-me-first", "tara"].due == at(2, 18)


def test_group_completion_percentages(world):
    built = report.build(world.passwords.__class__.objects.all(), viewer=make_user("approver"))
    groups = {summary.subject: summary for summary in built.by_group()}
    # Technicians today: tara, tom, lena; each owes both procedures; only tara's r5 is done.
    technicians = groups["Technicians"]
    assert (technicians.acknowledged, technicians.total, technicians.percent) == (1, 6, 16)
    page = client_as(make_user("approver", username="approver-2")).get(REPORT)
    assert b'<span class="group-percent">16%</span>' in page.content


def test_filters_group_volume_section_and_overdue_only(world):
    client = client_as(make_user("approver"))
    lines = _csv(client.get(CSV, {"group": world.technicians.pk, "overdue": "1"}))
    assert {(line["username"], line["procedure_title"]) for line in lines} == {
        ("tom", "Prudent Password Policies"), ("lena", "Prudent Password Policies"),
    }  # fmt: skip
    section = world.everyone.section
    lines = _csv(client.get(CSV, {"section": f"{section.volume.number}-{section.numeral.lower()}"}))
    assert {line["procedure_title"] for line in lines} == {"Read Me First"}
    lines = _csv(client.get(CSV, {"volume": world.passwords.section.volume.number}))
    assert {line["procedure_title"] for line in lines} == {"Prudent Password Policies"}
    page = client.get(REPORT, {"group": world.technicians.pk, "overdue": "1"})
    assert b"Read Me First" not in page.content and b"Prudent Password Policies" in page.content
    # The filters stay in the links, so a filtered view can be bookmarked and followed.
    assert b"overdue=1" in page.content


def test_csv_headers_iso_timestamps_and_neutralised_cells(world):
    evil = UserFactory(username="mallory", first_name="=HYPERLINK(1)", email="@evil.test")
    member(evil, world.technicians, at(2, 1))
    world.passwords.title = "+Prudent"
    world.passwords.save()
    lines = _csv(client_as(make_user("approver")).get(CSV, {"group": world.technicians.pk}))
    assert list(lines[0]) == [
        "procedure_path", "procedure_title", "revision", "person_name", "username", "email",
        "groups", "required_since", "due", "acknowledged_at", "carried_from_revision", "status",
        "report_as_of",
    ]  # fmt: skip
    by_user = {(line["username"], line["procedure_title"]): line for line in lines}
    tara = by_user["tara", "'+Prudent"]
    assert tara["acknowledged_at"] == "2026-03-10T12:00:00+00:00"
    assert tara["carried_from_revision"] == "4" and tara["revision"] == "5"
    assert tara["required_since"] == "2026-03-10T12:00:00+00:00"
    assert tara["procedure_path"].endswith("/I/prudent-password-policies")
    mallory = by_user["mallory", "'+Prudent"]
    assert mallory["person_name"] == "'=HYPERLINK(1)"
    assert mallory["email"] == "'@evil.test"
    assert mallory["groups"] == "Technicians" and mallory["status"] == "overdue"


def test_a_reader_sees_only_their_own_rows(world):
    tara = world.people["tara"]
    make_user("reader")  # the Readers group exists
    client = client_as(tara)
    lines = _csv(client.get(CSV))
    assert {line["username"] for line in lines} == {"tara"}
    page = client.get(REPORT)
    assert b"You see your own acknowledgements" in page.content
    assert b"Tom" not in page.content and b"Technicians</td>" not in page.content
    detail = client.get(reverse("compliance:report_procedure", kwargs=world.passwords.url_kwargs()))
    assert b"Tara Example" in detail.content and b"Tom Example" not in detail.content
    mine = client.get(reverse("compliance:report_person", args=[tara.pk]))
    assert mine.status_code == HTTPStatus.OK and b"carried from r4" in mine.content
    theirs = client.get(reverse("compliance:report_person", args=[world.people["tom"].pk]))
    assert theirs.status_code == HTTPStatus.FORBIDDEN


def test_an_approver_sees_everyones_rows_and_anyones_page(world):
    client = client_as(make_user("approver"))
    lines = _csv(client.get(CSV))
    assert {"tara", "tom", "lena", "rita"} <= {line["username"] for line in lines}
    page = client.get(reverse("compliance:report_person", args=[world.people["tom"].pk]))
    assert page.status_code == HTTPStatus.OK
    assert b"overdue" in page.content and b"Prudent Password Policies" in page.content


def test_the_report_needs_a_login(world):
    response = client_as(None).get(REPORT)
    assert response.status_code == HTTPStatus.FOUND and "login" in response["Location"]


@pytest.mark.parametrize(
    "query",
    [
        {"as_of": "0000-03-01"}, {"as_of": "99999-03-01"}, {"as_of": "2026-02-30"},
        {"as_of": "yesterday"}, {"as_of": "9999-12-31"}, {"group": "999999"},
        {"group": "1 OR 1=1"}, {"volume": "77"}, {"section": "1-XIV"}, {"overdue": "maybe"},
        {"as_of": "2026-03-01T25:00"},
    ],
)  # fmt: skip
def test_bad_filters_are_a_400_with_the_forms_message(world, query):
    client = client_as(make_user("approver"))
    for url in (REPORT, CSV):
        response = client.get(url, query)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert b"Some filters could not be understood" in response.content
        assert b"invalid-feedback" in response.content  # the field's own message
    typed = next(iter(query.values()))
    if "as_of" in query:
        assert f'value="{typed}"'.encode() in client.get(REPORT, query).content


def test_as_of_messages_say_what_to_type(world):
    client = client_as(make_user("approver"))
    assert b"Enter a date as YYYY-MM-DD" in client.get(REPORT, {"as_of": "0000-03-01"}).content
    future = client.get(REPORT, {"as_of": "9999-12-31"}).content
    assert b"pick a moment that has passed" in future


def test_an_unknown_person_or_procedure_is_404(world):
    client = client_as(make_user("approver"))
    assert client.get(reverse("compliance:report_person", args=[999999])).status_code == 404
    kwargs = {**world.passwords.url_kwargs(), "slug": "no-such-thing"}
    assert client.get(reverse("compliance:report_procedure", kwargs=kwargs)).status_code == 404


def test_due_date_is_the_later_of_approval_and_joining():
    approved, joined = at(3, 10), at(3, 15)
    assert obligations.due_at(approved_at=approved, joined=joined, due_days=14) == at(3, 29)
    assert obligations.due_at(approved_at=joined, joined=approved, due_days=1) == at(3, 16)
    assert obligations.due_at(approved_at=approved, joined=None, due_days=None) is None


def test_concerned_people_now_and_then(world):
    now = {p.username for p in obligations.concerned_people(world.passwords)}
    assert now == {"tara", "tom", "lena"}
    then = {p.username for p in obligations.concerned_people(world.passwords, at=at(3, 1))}
    assert then == {"tara", "tom", "ollie"}
    assert obligations.is_concerned(world.passwords, world.people["tom"])
    assert not obligations.is_concerned(world.passwords, world.people["rita"])


def _dataset(people: int, procedures: int):
    from django.contrib.auth.models import Group

    group = Group.objects.get_or_create(name="Technicians")[0]
    users = [UserFactory(username=f"p{people}-{n}") for n in range(people)]
    for user in users:
        member(user, group, at(1, 1))
    creator = users[0]
    for n in range(procedures):
        procedure = ProcedureFactory(title=f"Size {people} procedure {n}")
        revisions = history(procedure, [at(1, 2), at(2, 2)])
        requirement = AcknowledgementRequirement.objects.create(
            procedure=procedure, due_days=10, created_by=creator
        )
        requirement.groups.add(group)
        acknowledge(users[n % people], revisions[-1], at(2, 3))


@pytest.mark.parametrize(("people", "procedures"), [(3, 2), (12, 9)])
def test_the_report_takes_a_bounded_number_of_queries(people, procedures,
                                                      django_assert_max_num_queries):  # fmt: skip
    _dataset(people, procedures)
    client = client_as(make_user("approver"))
    for url, query in ((REPORT, {}), (CSV, {}), (REPORT, {"as_of": "2026-03-01"})):
        # The report's own 16, and the menu's To read (the approver's reading state, built
        # cold on their first page: rules, memberships, acknowledgements, rejected work).
        with django_assert_max_num_queries(22):
            response = client.get(url, query)
            if response.streaming:
                lines = b"".join(response.streaming_content).splitlines()
                assert len(lines) == 1 + people * procedures
        assert response.status_code == HTTPStatus.OK
