"""Templates from the site (issue 15): an approver offers an approved procedure as a template
from its page and chooses a section's default template on the section page; readers and
editors are refused inside the transitions; a new procedure of the section starts from it."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from procedures import workflow
from procedures.models import Procedure, ProcedureEvent, Revision, Section
from tests.factories import ProcedureFactory, SectionFactory, VolumeFactory, approved_revision
from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db

TEMPLATE_TEXT = "## Purpose\n\n## Steps\n\n## Escalation\n"


@pytest.fixture
def boss():
    return make_user("approver", "boss")


@pytest.fixture
def place():
    volume = VolumeFactory(number=3, title="Operations")
    servers = SectionFactory(volume=volume, numeral="I", title="Servers", position=1)
    backups = SectionFactory(volume=volume, numeral="II", title="Backups", position=2)
    runbook = ProcedureFactory(section=servers, title="Runbook skeleton", slug="skeleton",
                               position=1)  # fmt: skip
    approved_revision(runbook, body=TEMPLATE_TEXT)
    empty = ProcedureFactory(section=backups, title="Tape rotation", slug="tape", position=1)
    return {"servers": servers, "backups": backups, "runbook": runbook, "empty": empty}


def purl(name, procedure):
    procedure = Procedure.objects.with_place().get(pk=procedure.pk)
    return reverse(f"procedures:{name}", kwargs=procedure_kwargs(procedure))


def procedure_kwargs(procedure):
    return {"volume": procedure.section.volume.number, "section": procedure.section.numeral,
            "slug": procedure.slug}  # fmt: skip


def section_template_url(section):
    return reverse("procedures:section_template",
                   kwargs={"volume": section.volume.number, "section": section.numeral})  # fmt: skip


def page(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_an_approver_offers_a_procedure_as_a_template_from_its_page_and_takes_it_back(boss, place):
    client, runbook = client_as(boss), place["runbook"]
    _, html = page(client, runbook.get_absolute_url())
    assert "Offer as a template" in html and "No longer a template" not in html
    response = client.post(purl("mark_template", runbook), {"on": "1"}, follow=True)
    assert response.status_code == HTTPStatus.OK
    assert "is now offered as a template" in response.content.decode()
    assert "No longer a template" in response.content.decode()  # the page shows it at once
    assert list(Procedure.objects.templates()) == [runbook]
    client.post(purl("mark_template", runbook), {"on": "0"})
    assert not Procedure.objects.templates().exists()
    actions = list(runbook.procedure_events.order_by("pk").values_list("action", "actor"))
    assert actions == [
        (ProcedureEvent.Action.TEMPLATE_MARKED, boss.pk),
        (ProcedureEvent.Action.TEMPLATE_UNMARKED, boss.pk),
    ]


def test_an_approver_chooses_the_sections_default_and_a_new_procedure_starts_from_it(boss, place):
    workflow.procedure_mark_template(procedure=place["runbook"], user=boss, on=True)
    backups, client = place["backups"], client_as(boss)
    _, html = page(client, backups.get_absolute_url())
    assert 'class="section-template-form' in html and "3.I Runbook skeleton" in html
    response = client.post(section_template_url(backups), {"template": place["runbook"].pk})
    assert response.status_code == HTTPStatus.FOUND
    assert Section.objects.get(pk=backups.pk).default_template == TEMPLATE_TEXT
    event = place["runbook"].procedure_events.first()
    assert event.action == ProcedureEvent.Action.SECTION_DEFAULT and "3.II" in event.detail
    # An editor opens the new, unwritten procedure of that section: it starts from the default.
    editor = make_user("editor", "ed")
    editing = client_as(editor)
    response = editing.post(purl("start_draft", place["empty"]), follow=True)
    assert response.status_code == HTTPStatus.OK
    draft = Revision.objects.get(procedure=place["empty"], author=editor)
    assert draft.body == TEMPLATE_TEXT
    assert "## Escalation" in response.content.decode()


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_a_readers_or_editors_post_is_refused_inside_the_transition(role, place):
    client, runbook = client_as(make_user(role, f"someone-{role}")), place["runbook"]
    response = client.post(purl("mark_template", runbook), {"on": "1"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Only approvers can mark templates" in response.content.decode()
    response = client.post(section_template_url(place["backups"]), {"template": runbook.pk})
    # Not a template yet: the form refuses first (400); once it is, the transition (403).
    assert response.status_code == HTTPStatus.BAD_REQUEST
    runbook.is_template = True
    runbook.save()
    response = client.post(section_template_url(place["backups"]), {"template": runbook.pk})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Section.objects.get(pk=place["backups"].pk).default_template == ""
    assert not ProcedureEvent.objects.exists()


def test_an_unwritten_or_archived_procedure_cannot_be_marked(boss, place):
    client = client_as(boss)
    response = client.post(purl("mark_template", place["empty"]), {"on": "1"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "has no approved text" in response.content.decode()
    workflow.procedure_archive(procedure=place["runbook"], user=boss, reason="Replaced")
    response = client.post(purl("mark_template", place["runbook"]), {"on": "1"})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "is archived" in response.content.decode()
    assert not Procedure.objects.filter(is_template=True).exists()


@pytest.mark.parametrize("data", [{"template": "999999"}, {"template": "x"}, {}])
def test_a_tampered_template_id_is_refused_and_nothing_changes(boss, place, data):
    workflow.procedure_mark_template(procedure=place["runbook"], user=boss, on=True)
    response = client_as(boss).post(section_template_url(place["backups"]), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "nothing changed" in response.content.decode().lower()
    assert Section.objects.get(pk=place["backups"].pk).default_template == ""


@pytest.mark.parametrize("data", [{"on": "maybe"}, {}])
def test_a_tampered_mark_is_refused(boss, place, data):
    response = client_as(boss).post(purl("mark_template", place["runbook"]), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Procedure.objects.filter(is_template=True).exists()


def test_any_approved_procedure_may_be_a_sections_default_but_not_an_unwritten_one(boss, place):
    workflow.section_set_default_template(section=place["backups"], user=boss,
                                          template=place["runbook"])  # fmt: skip
    assert Section.objects.get(pk=place["backups"].pk).default_template == TEMPLATE_TEXT
    with pytest.raises(workflow.WorkflowError, match="no approved text"):
        workflow.section_set_default_template(section=place["servers"], user=boss,
                                              template=place["empty"])  # fmt: skip


def test_a_get_of_the_buttons_addresses_gets_the_use_the_button_page(boss, place):
    client = client_as(boss)
    assert client.get(purl("mark_template", place["runbook"])).status_code == 405
    assert client.get(section_template_url(place["backups"])).status_code == 405
