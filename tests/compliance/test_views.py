"""The review pages: forms through POST, refusals as 4xx with the form kept, the due list's
filters and query count, My work, and the procedure page for every reader."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse

from compliance.dates import add_months
from compliance.models import ProcedureReview, ReviewEvent
from tests.compliance.helpers import approved_on, days_ago
from tests.factories import ProcedureFactory, SectionFactory, UserFactory
from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db


def url(name, procedure):
    return reverse(f"compliance:{name}", kwargs=procedure.url_kwargs())


@pytest.fixture
def overdue():
    owner = UserFactory(username="olive", first_name="Olive", last_name="Owner")
    return approved_on(days_ago(400), owner=owner, title="Backups")


def test_approver_sets_owner_and_interval_from_the_page(overdue):
    approver = make_user("approver")
    client = client_as(approver)
    page = client.get(url("procedure_review", overdue))
    assert page.status_code == HTTPStatus.OK
    assert b"Save owner" in page.content and b"Save interval" in page.content
    new_owner = UserFactory(username="nina")
    response = client.post(url("set_owner", overdue), {"owner": new_owner.pk})
    assert response.status_code == HTTPStatus.FOUND
    overdue.refresh_from_db()
    assert overdue.owner == new_owner
    response = client.post(url("set_interval", overdue), {"interval_months": "24"})
    assert response.status_code == HTTPStatus.FOUND
    assert ProcedureReview.objects.get(procedure=overdue).interval_months == 24


@pytest.mark.parametrize("value", ["0", "-1", "121", str(10_000 * 12), "1e3", "twelve", "9" * 40])
def test_bad_intervals_are_refused_with_the_form_kept(overdue, value):
    response = client_as(make_user("approver")).post(
        url("set_interval", overdue), {"interval_months": value}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert f'value="{value}"'.encode() in response.content  # what was typed is kept
    assert b"Please correct the form below." in response.content
    assert not ProcedureReview.objects.exists()


@pytest.mark.parametrize("value", ["999999", "-3", "abc", "1 OR 1=1"])
def test_an_owner_that_is_no_user_is_refused(overdue, value):
    response = client_as(make_user("approver")).post(url("set_owner", overdue), {"owner": value})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    overdue.refresh_from_db()
    assert overdue.owner.username == "olive"


def test_an_inactive_owner_is_refused(overdue):
    retired = UserFactory(is_active=False)
    response = client_as(make_user("approver")).post(
        url("set_owner", overdue), {"owner": retired.pk}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_tampered_procedure_is_404():
    client = client_as(make_user("approver"))
    kwargs = {"volume": 99, "section": "IX", "slug": "nope"}
    for name in ("procedure_review", "set_owner", "set_interval", "confirm"):
        method = client.get if name == "procedure_review" else client.post
        assert method(reverse(f"compliance:{name}", kwargs=kwargs)).status_code == 404


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_only_approvers_may_post_owner_and_interval(overdue, role):
    client = client_as(make_user(role))
    page = client.get(url("procedure_review", overdue))
    assert b"Save owner" not in page.content and b"Record review" not in page.content
    assert client.post(url("set_owner", overdue), {"owner": ""}).status_code == 403
    assert client.post(url("set_interval", overdue), {"interval_months": "6"}).status_code == 403
    assert client.post(url("confirm", overdue), {"comment": "ok"}).status_code == 403
    # Refused as not theirs to do, whatever they send.
    assert client.post(url("set_interval", overdue), {"interval_months": "0"}).status_code == 403
    assert client.post(url("set_owner", overdue), {"owner": "999999"}).status_code == 403
    assert client.post(url("confirm", overdue), {"comment": ""}).status_code == 403
    assert not ReviewEvent.objects.exists()


def test_the_owner_confirms_from_the_page(overdue):
    client = client_as(overdue.owner)
    page = client.get(url("procedure_review", overdue))
    assert b"Record review" in page.content and b"Save owner" not in page.content
    response = client.post(url("confirm", overdue), {"comment": "Read it <b>again</b>."})
    assert response.status_code == HTTPStatus.FOUND
    page = client.get(url("procedure_review", overdue))
    assert b"Reviewed, no change" in page.content
    assert b"Read it &lt;b&gt;again&lt;/b&gt;." in page.content


def test_an_empty_comment_is_refused_with_400(overdue):
    response = client_as(overdue.owner).post(url("confirm", overdue), {"comment": "   "})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not ReviewEvent.objects.exists()


def test_confirming_an_unwritten_procedure_is_a_conflict():
    owner = UserFactory()
    procedure = ProcedureFactory(owner=owner)
    response = client_as(owner).post(url("confirm", procedure), {"comment": "Fine."})
    assert response.status_code == HTTPStatus.CONFLICT


def test_the_procedure_page_shows_review_dates_to_readers_and_follows_changes(overdue):
    reader = make_user("reader")
    page = client_as(reader).get(overdue.get_absolute_url()).content.decode()
    assert "Olive Owner" in page
    approved = days_ago(400)
    assert f'<time datetime="{approved:%Y-%m-%d}"' in page
    assert "not since approval" in page
    # The cached page follows a confirmed review at once.
    client_as(overdue.owner).post(url("confirm", overdue), {"comment": "Fine."})
    page = client_as(reader).get(overdue.get_absolute_url()).content.decode()
    assert "not since approval" not in page
    assert f'<time datetime="{datetime.date.today():%Y-%m-%d}"' in page


def test_due_page_lists_overdue_and_soon_due_only():
    owner = UserFactory(username="olive")
    approved_on(days_ago(400), owner=owner, title="Overdue one")
    approved_on(days_ago(350), owner=owner, title="Due soon one")
    approved_on(days_ago(10), owner=owner, title="Fresh one")
    ProcedureFactory(title="Unwritten one", owner=owner)
    page = client_as(make_user("reader")).get(reverse("compliance:due")).content.decode()
    assert "Overdue one" in page and "Due soon one" in page
    assert "Fresh one" not in page and "Unwritten one" not in page
    assert page.index("Overdue one") < page.index("Due soon one")


def test_due_page_filters_by_owner_volume_and_section():
    olive, ned = UserFactory(username="olive"), UserFactory(username="ned")
    first = approved_on(days_ago(400), owner=olive, title="Olive's")
    other_section = SectionFactory()
    approved_on(days_ago(400), owner=ned, title="Ned's", section=other_section)
    client = client_as(make_user("reader"))
    due = reverse("compliance:due")
    page = client.get(due, {"owner": "olive"}).content.decode()
    assert "Olive&#x27;s" in page and "Ned&#x27;s" not in page
    page = client.get(due, {"volume": other_section.volume.number}).content.decode()
    assert "Olive&#x27;s" not in page and "Ned&#x27;s" in page
    key = f"{first.section.volume.number}-{first.section.numeral.lower()}"
    page = client.get(due, {"section": key}).content.decode()
    assert "Olive&#x27;s" in page and "Ned&#x27;s" not in page
    assert client.get(due, {"owner": "nobody-such"}).status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize("count", [1, 30])
def test_due_page_query_count_is_constant(count, django_assert_max_num_queries):
    section = SectionFactory()
    for number in range(count):
        approved_on(days_ago(400), owner=UserFactory(), section=section, title=f"P{number}")
    client = client_as(make_user("reader"))
    client.get(reverse("compliance:due"))  # session and permissions cached
    with django_assert_max_num_queries(9):
        response = client.get(reverse("compliance:due"))
    assert response.content.decode().count('class="due-row') == count


def test_my_work_lists_my_procedures_due_for_review():
    me = make_user("editor", username="me")
    approved_on(days_ago(400), owner=me, title="Mine overdue")
    approved_on(days_ago(400), owner=UserFactory(), title="Someone else's")
    page = client_as(me).get(reverse("procedures:my_work")).content.decode()
    assert "Mine overdue" in page and "Someone else" not in page


def test_a_section_interval_set_in_the_admin_reaches_the_cached_procedure_page(overdue):
    reader = client_as(make_user("reader"))
    approved = days_ago(400)
    yearly = add_months(approved, 12)
    assert (
        f'<time datetime="{yearly:%Y-%m-%d}"'
        in reader.get(overdue.get_absolute_url()).content.decode()
    )
    admin = client_as(make_user("superuser"))
    response = admin.post(
        reverse("admin:compliance_sectionreviewinterval_add"),
        {"section": overdue.section.pk, "months": "3"},
    )
    assert response.status_code == HTTPStatus.FOUND
    page = reader.get(overdue.get_absolute_url()).content.decode()
    assert f'<time datetime="{add_months(approved, 3):%Y-%m-%d}"' in page
