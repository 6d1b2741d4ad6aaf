"""A run as PDF: the same evidence as the printed run page, for whoever may see the run."""

import shutil
import subprocess
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from django.test import override_settings
from django.urls import reverse

from checklists import evidence, transitions
from tests.roles import client_as, make_user
from transfer import exporting

from .helpers import make_client, make_run

pytestmark = pytest.mark.django_db
needs_weasyprint = pytest.mark.skipif(
    not exporting.weasyprint_available(), reason="WeasyPrint is not installed"
)
PDFTOTEXT = shutil.which("pdftotext") or "pdftotext"


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "run.pdf"
    path.write_bytes(content)
    result = subprocess.run([PDFTOTEXT, str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(result.stdout.split())  # pdftotext breaks lines where the page did


def download(user, run):
    response = client_as(user).get(reverse("checklists:run_pdf", kwargs={"pk": run.pk}))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


@pytest.fixture
def worked_run():
    """A run with a step done, one N/A with a reason, one with a note, then abandoned."""
    tech = make_user("reader", username="tech-1")
    other = make_user("reader", username="tech-2")
    run = make_run(user=tech, ticket="T20261201.0042")
    first, second, third, _ = run.steps.all()
    transitions.step_tick(step=first, user=tech, version=1)
    transitions.step_skip(step=second, user=other, version=1, reason="No mailbox to back up")
    transitions.step_annotate(step=third, user=tech, version=1, note="Reset by phone with Jo")
    transitions.run_abandon(run=run, user=other, reason="Client cancelled the change")
    return run


@needs_weasyprint
@override_settings(SOP_SITE_URL="https://sop.example.net")
def test_the_pdf_holds_the_runs_evidence(worked_run, tmp_path):
    response, content = download(worked_run.started_by, worked_run)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    name = f"run-{worked_run.pk}-acme-{worked_run.procedure.slug}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert content.startswith(b"%PDF")
    text = pdf_text(content, tmp_path)
    revision = worked_run.revision
    for expected in [
        worked_run.procedure.title, f"revision {revision.number}", "Acme Ltd (ACME)",
        "T20261201.0042", "Back up the mailbox", "Check the backup's size",
        "Reset the password", "Tell the user", "Before you start", "Do it",
        "Done · tech-1", "Not applicable: No mailbox to back up · tech-2",
        "Note: Reset by phone with Jo", "Abandoned", "by tech-2: Client cancelled the change",
        "Printed from the Operations Manual on", "Page 1 of 1",
    ]:  # fmt: skip
        assert expected in text, expected
    # The footer's address (the PDF may wrap it anywhere).
    assert f"fromhttps://sop.example.net/runs/{worked_run.pk}/." in text.replace(" ", "")
    tick = worked_run.steps.get(position=1).changed_at.astimezone()
    assert f"tech-1, {tick:%-d %b %Y %H:%M}" in text
    assert "not a step" not in text  # the code block's look-alike


@needs_weasyprint
def test_a_completed_run_says_who_completed_it_and_when(tmp_path):
    tech = make_user("reader", username="tech-1")
    run = make_run(user=tech)
    for step in run.steps.all():
        transitions.step_tick(step=step, user=tech, version=1)
    run = transitions.run_complete(run=run, user=tech)
    _, content = download(tech, run)
    text = pdf_text(content, tmp_path)
    assert f"Completed {run.finished_at.astimezone():%-d %b %Y %H:%M} by tech-1" in text


@needs_weasyprint
def test_markup_in_names_and_notes_is_text_in_the_pdf(tmp_path):
    tech = make_user("reader", username="tech-1")
    client = make_client(name='<b>Evil</b> & <script>alert("x")</script>', code="EVIL")
    run = make_run(user=tech, client=client)
    step = run.steps.first()
    transitions.step_annotate(step=step, user=tech, version=1, note="<img src=x onerror=alert(1)>")
    _, content = download(tech, run)
    text = pdf_text(content, tmp_path)
    assert '<b>Evil</b> & <script>alert("x")</script>' in text
    assert "Note: <img src=x onerror=alert(1)>" in text
    page = client_as(tech).get(run.get_absolute_url()).content.decode()
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "<b>Evil</b>" not in page


def test_who_may_not_see_the_run_gets_no_pdf(worked_run):
    url = reverse("checklists:run_pdf", kwargs={"pk": worked_run.pk})
    anonymous = client_as(None).get(url)
    assert anonymous.status_code == HTTPStatus.FOUND
    assert anonymous["Location"].startswith(reverse("login"))
    missing = reverse("checklists:run_pdf", kwargs={"pk": worked_run.pk + 1000})
    assert client_as(worked_run.started_by).get(missing).status_code == HTTPStatus.NOT_FOUND


def test_the_run_page_offers_the_pdf(worked_run):
    page = client_as(worked_run.started_by).get(worked_run.get_absolute_url()).content.decode()
    assert reverse("checklists:run_pdf", kwargs={"pk": worked_run.pk}) in page
    assert "Download as PDF" in page


def test_without_weasyprint_the_run_page_says_how_to_install_it(worked_run, monkeypatch):
    monkeypatch.setattr(evidence, "weasyprint_available", lambda: False)
    response, content = download(worked_run.started_by, worked_run)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert b"pip install weasyprint" in content
    assert b"Not applicable" in content  # still the run page


def test_the_filename_survives_any_client_code():
    run = SimpleNamespace(
        pk=7, client=SimpleNamespace(code='A/B "C"'), procedure=SimpleNamespace(slug="x")
    )
    assert evidence.filename(run) == "run-7-ab-c-x.pdf"
