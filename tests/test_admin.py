from http import HTTPStatus

import pytest
from django.urls import reverse

from procedures.linking import update_links
from procedures.models import Procedure, Volume
from tests.factories import SectionFactory, VolumeFactory, approved_revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model", ["volume", "section", "procedure", "revision", "revisionevent"])
def test_every_model_has_a_working_changelist(admin_client, manual, model):
    approved_revision(Procedure.objects.get(slug="final-friday-training"))
    response = admin_client.get(reverse(f"admin:procedures_{model}_changelist"))
    assert response.status_code == HTTPStatus.OK


def test_searching_procedures_for_intro_finds_the_intro_notes(admin_client, manual):
    response = admin_client.get(reverse("admin:procedures_procedure_changelist"), {"q": "Intro"})
    assert response.status_code == HTTPStatus.OK
    found = {p.title for p in response.context["cl"].result_list}
    assert {"Intro Notes", "Intro Note"} <= found
    assert response.context["cl"].result_count == 11  # ten intro notes + "Introduction to SOPs..."


def test_change_pages_show_the_inlines(admin_client, manual):
    procedure = Procedure.objects.get(slug="final-friday-training")
    approved_revision(procedure, body="Agenda")
    volume_page = admin_client.get(
        reverse("admin:procedures_volume_change", args=[procedure.section.volume.pk])
    )
    assert "Employees in The Tech Department" in volume_page.content.decode()
    section_page = admin_client.get(
        reverse("admin:procedures_section_change", args=[procedure.section.pk])
    )
    assert "Final Friday Training" in section_page.content.decode()
    procedure_page = admin_client.get(
        reverse("admin:procedures_procedure_change", args=[procedure.pk])
    )
    assert procedure_page.status_code == HTTPStatus.OK
    assert "Initial text" in procedure_page.content.decode()  # the revision inline, read-only


def test_revisions_cannot_be_added_or_deleted_in_the_admin(admin_client, manual):
    revision = approved_revision(Procedure.objects.get(slug="final-friday-training"))
    assert (
        admin_client.get(reverse("admin:procedures_revision_add")).status_code
        == HTTPStatus.FORBIDDEN
    )
    response = admin_client.get(reverse("admin:procedures_revision_delete", args=[revision.pk]))
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_autocomplete_for_owner_and_section(admin_client, manual):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "procedures",
            "model_name": "procedure",
            "field_name": "section",
            "term": "Finance",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert [r["text"] for r in response.json()["results"]] == ["1.II Finance"]


def test_renaming_a_procedure_in_the_admin_repairs_links_to_it(admin_client, manual):
    target = Procedure.objects.get(slug="final-friday-training")
    source = Procedure.objects.get(slug="time-tracking-for-employees")
    approved_revision(source, body="See [[Friday Training Day]].")
    update_links(source)  # as approval through the workflow does
    page = admin_client.get(source.get_absolute_url()).content.decode()
    assert "wikilink-broken" in page
    response = admin_client.post(
        reverse("admin:procedures_procedure_change", args=[target.pk]),
        {
            "section": target.section_id,
            "title": "Friday Training Day",
            "slug": target.slug,
            "position": target.position,
            "owner": "",
            "revisions-TOTAL_FORMS": "0",
            "revisions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    page = admin_client.get(source.get_absolute_url()).content.decode()
    assert "wikilink-broken" not in page
    assert f'href="{target.get_absolute_url()}"' in page


# Filters the database cannot run: the admin's own "invalid filter" redirect, not a 500 -------
# (PostgreSQL runs a few that SQLite cannot, such as a number past 64 bits: it finds nothing.)


@pytest.mark.parametrize(
    "model, query",
    [
        ("procedures.revision", "created_at__year=2147483648"),
        ("procedures.revision", "created_at__year=99999999999"),
        ("procedures.revision", "created_at__year=" + "9" * 26),
        ("procedures.revision", "created_at__year=9999"),  # the year after is past datetime's
        ("procedures.revision", "created_at__year=2026&created_at__month=99999999999"),
        ("procedures.revision", "created_at__year__gt=2147483648"),
        ("procedures.revision", "status__regex=("),
        ("procedures.revision", "number__in=1,99999999999999999999"),
        ("procedures.revision", "author__exact=9223372036854775808"),
        ("procedures.revision", "summary__range=x"),
        ("procedures.revisionevent", "created_at__year=2147483648"),
        ("auth.user", "date_joined__iso_year=2147483648"),
        ("axes.accessattempt", "attempt_time__year=99999999999"),
    ],
)
def test_a_filter_the_database_cannot_run_is_an_invalid_filter(admin_client, model, query):
    approved_revision()  # a row to run the filter on (SQLite's regex only fails on one)
    url = reverse("admin:{}_{}_changelist".format(*model.split(".")))
    response = admin_client.get(f"{url}?{query}")
    if response.status_code != HTTPStatus.OK:
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == f"{url}?e=1"
    # The list still works, so later queries do too (PostgreSQL refuses every query after a
    # failed one in the same transaction, unless that one was confined to a savepoint).
    assert admin_client.get(f"{url}?e=1").status_code == HTTPStatus.OK


def test_a_changelist_without_parameters_still_fails_loudly(admin_client, monkeypatch):
    # Nothing in the request can be at fault: a broken database is not an invalid filter.
    from django.contrib.admin.views.main import ChangeList

    def broken(self, request):
        raise OverflowError("the database's fault")

    monkeypatch.setattr(ChangeList, "get_results", broken)
    with pytest.raises(OverflowError):
        admin_client.get(reverse("admin:procedures_revision_changelist"))


@pytest.mark.parametrize("value", ["1,2", "abc", "99999999999999999999", "1,99999999999999999999"])
def test_an_add_form_given_an_initial_value_that_is_no_key_shows_no_choice(admin_client, value):
    response = admin_client.get(reverse("admin:procedures_procedure_add"), {"section": value})
    assert response.status_code == HTTPStatus.OK


def test_a_form_sent_back_with_a_value_that_is_no_key_is_refused_not_a_500(admin_client):
    response = admin_client.post(
        reverse("admin:procedures_procedure_add"),
        {"title": "Toner", "slug": "toner", "section": "1,2", "owner": ":", "position": "1"},
    )
    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors.keys() >= {"section", "owner"}


def test_an_inline_form_sent_back_with_a_wrong_owner_is_refused_not_a_500(admin_client):
    section = SectionFactory()
    prefix = "procedures"  # the inline's formset prefix: the related name
    data = {
        "volume": section.volume_id, "numeral": section.numeral, "title": section.title,
        "position": section.position, f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-0-position": "1",
        f"{prefix}-0-title": "Toner", f"{prefix}-0-slug": "toner", f"{prefix}-0-owner": "1,2",
    }  # fmt: skip
    response = admin_client.post(
        reverse("admin:procedures_section_change", args=[section.pk]), data
    )
    assert response.status_code == HTTPStatus.OK
    assert response.context["inline_admin_formsets"][0].formset.errors[0].keys() == {"owner"}


def test_an_action_on_a_selection_past_64_bits_selects_nothing(admin_client):
    volume = VolumeFactory()
    response = admin_client.post(
        reverse("admin:procedures_volume_changelist"),
        {"action": "delete_selected", "_selected_action": [str(2**64)], "index": "0"},
    )
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)  # no 500 on SQLite
    assert Volume.objects.filter(pk=volume.pk).exists()


@pytest.mark.parametrize("value", ["soon", "2026-02-30 10:00", "9" * 30, "1e309"])
def test_an_add_forms_date_from_the_query_string_it_cannot_read_is_left_out(superuser, value):
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    response = client.get(reverse("admin:checklists_client_add"), {"created_at": value})
    assert response.status_code == HTTPStatus.OK
    assert "Add client" in response.content.decode()
