"""Exports hold approved text only, with its metadata, the footer and the screenshots."""

import base64
import io
import shutil
import subprocess
import zipfile
from http import HTTPStatus
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from tests.factories import RevisionFactory
from tests.roles import client_as
from tests.transfer.manual import DRAFT_MARKER, build_manual
from transfer import exporting

pytestmark = pytest.mark.django_db
PDFTOTEXT = shutil.which("pdftotext") or "pdftotext"
FOOTER = "Uncontrolled when printed — check the intranet for the current version"


@pytest.fixture
def manual():
    return build_manual()


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def download(manual, name, fmt, role="reader", **kwargs):
    response = client_as(manual.users[role]).get(
        reverse(f"transfer:{name}", kwargs={"fmt": fmt, **kwargs})
    )
    return response, _content(response)


@override_settings(SOP_ORGANISATION_NAME="Acme IT Services")
def test_html_export_of_the_manual_holds_every_approved_procedure_and_no_draft(manual):
    response, content = download(manual, "export_manual", "html")
    assert response.status_code == HTTPStatus.OK
    assert "attachment" in response["Content-Disposition"]
    html = content.decode()
    assert "Acme IT Services" in html  # the cover
    for title in ("Billing procedures and policies", "Onboarding a client", "Nightly backups"):
        assert html.count(title) >= 2  # the contents and the procedure itself
    assert DRAFT_MARKER not in html
    assert "Dunning" not in html  # never approved
    assert "Newer draft" not in html
    # Book order: volume 1 section I before section II, then volume 2.
    assert html.index('id="p-1-i-onboarding"') < html.index('id="p-1-ii-billing')
    assert html.index('id="p-1-ii-billing') < html.index('id="p-2-i-nightly"')
    # Each procedure's revision, approver and approval date; the footer.
    billing = manual.billing.current_revision
    assert f"<dd>{billing.number}</dd>" in html
    assert manual.users["approver"].get_username() in html
    assert f"{billing.reviewed_at:%Y}" in html
    assert FOOTER in html
    assert "break-before: page" in html
    # A link to another procedure in the document goes to it in the document.
    onboarding = html[html.index('id="p-1-i-onboarding"') : html.index('id="p-1-ii-billing')]
    assert 'href="#p-1-ii-billing-procedures-and-policies"' in onboarding
    # Headings keep ids of their own procedure (a second "Step 1" would take the first's).
    assert 'id="p-1-ii-billing-procedures-and-policies-billing"' in html
    assert 'id="billing"' not in html


def test_html_export_embeds_the_screenshots(manual):
    _, content = download(manual, "export_manual", "html")
    html = content.decode()
    stored = manual.screenshot.file.open("rb").read()
    assert f"data:image/png;base64,{base64.b64encode(stored).decode()}" in html
    assert 'src="/files/' not in html


def test_html_export_of_a_section_and_a_volume(manual):
    _, content = download(manual, "export_section", "html", volume=1, section="II")
    html = content.decode()
    assert "Billing procedures and policies" in html
    assert "Onboarding a client" not in html
    _, content = download(manual, "export_volume", "html", volume=2)
    assert "Nightly backups" in content.decode()
    assert "Billing procedures" not in content.decode()


def test_an_export_of_nothing_that_exists_is_a_clear_404(manual):
    response, content = download(manual, "export_volume", "html", volume=9)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"There is no volume 9." in content
    response, _ = download(manual, "export_procedure", "html", volume=1, section="II",
                           slug="dunning")  # fmt: skip
    assert response.status_code == HTTPStatus.NOT_FOUND  # never approved


def test_markdown_zip_layout_front_matter_and_relative_screenshots(manual):
    response, content = download(manual, "export_manual", "markdown")
    assert response.status_code == HTTPStatus.OK
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    stem = "01-front-office-mastery/02-finance/03-billing-procedures-and-policies"
    assert f"{stem}.md" in names
    assert "01-front-office-mastery/01-service-desk/01-onboarding.md" in names
    assert "02-back-office/01-backups/01-nightly.md" in names
    assert not any("dunning" in name for name in names)
    text = archive.read(f"{stem}.md").decode()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    revision = manual.billing.current_revision
    assert meta["title"] == "Billing procedures and policies"
    assert meta["volume"] == "Front Office Mastery"
    assert meta["section"] == "Finance"
    assert meta["position"] == 3
    assert meta["revision"] == revision.number
    assert meta["approved_by"] == manual.users["approver"].get_username()
    assert meta["approved_at"] == revision.reviewed_at.isoformat()
    assert meta["owner"] == manual.users["approver"].get_username()
    assert "/files/" not in text
    image = f"03-billing-procedures-and-policies.files/{manual.screenshot.name}"
    assert f"]({image})" in text
    assert archive.read(f"01-front-office-mastery/02-finance/{image}") == (
        manual.screenshot.file.open("rb").read()
    )
    assert DRAFT_MARKER.encode() not in content


@pytest.mark.skipif(not exporting.weasyprint_available(), reason="WeasyPrint is not installed")
def test_pdf_export_text_can_be_extracted(manual, tmp_path):
    response, content = download(manual, "export_manual", "pdf")
    assert response.status_code == HTTPStatus.OK
    assert content.startswith(b"%PDF")
    path = tmp_path / "manual.pdf"
    path.write_bytes(content)
    text = subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "Billing procedures and policies" in text
    assert "Nightly backups" in text
    assert DRAFT_MARKER not in text
    assert text.count("Uncontrolled when printed") >= 4  # every page: cover, contents, 3 more
    assert "Page 2 of" in text
    assert "Section II · Finance" in text  # running header or the procedure's own label
    assert b"/Subtype /Image" in content  # the screenshot, read from the media folder


@pytest.mark.skipif(not exporting.weasyprint_available(), reason="WeasyPrint is not installed")
def test_one_procedure_as_pdf_from_its_page(manual):
    page = client_as(manual.users["reader"]).get(manual.billing.get_absolute_url())
    url = reverse("transfer:export_procedure", kwargs={"fmt": "pdf", **manual.billing.url_kwargs()})
    assert url in page.content.decode()
    _, content = download(manual, "export_procedure", "pdf", **manual.billing.url_kwargs())
    assert content.startswith(b"%PDF")


def test_without_weasyprint_the_pdf_button_says_how_to_install_it(manual, monkeypatch, tmp_path):
    monkeypatch.setattr(exporting, "weasyprint_available", lambda: False)
    response, content = download(manual, "export_manual", "pdf")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"pip install weasyprint" in content
    with pytest.raises(CommandError, match="pip install weasyprint"):
        call_command("export_manual", "--format", "pdf", "--output", str(tmp_path / "x.pdf"))


@pytest.mark.skipif(not exporting.weasyprint_available(), reason="WeasyPrint is not installed")
def test_the_site_refuses_a_pdf_too_long_for_a_web_request(manual):
    with override_settings(SOP_EXPORT_PDF_MAX_PROCEDURES=2):
        response, content = download(manual, "export_manual", "pdf")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert b"has 3 procedures; the site makes PDFs of up to 2" in content
        response, content = download(manual, "export_volume", "pdf", volume=1)
        assert content.startswith(b"%PDF")


def test_the_download_buttons_are_on_the_reading_pages_alike_for_everyone(manual):
    for role in ("reader", "editor"):
        client = client_as(manual.users[role])
        contents = client.get(reverse("procedures:contents")).content.decode()
        assert reverse("transfer:export_manual", kwargs={"fmt": "html"}) in contents
        volume = client.get(manual.volume.get_absolute_url()).content.decode()
        assert reverse("transfer:export_volume", kwargs={"fmt": "pdf", "volume": 1}) in volume
        section = client.get(manual.section.get_absolute_url()).content.decode()
        assert reverse("transfer:export_section",
                       kwargs={"fmt": "markdown", "volume": 1, "section": "II"}) in section  # fmt: skip


def test_export_command_writes_the_file_with_progress_on_stderr(manual, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    path = tmp_path / "finance.html"
    call_command("export_manual", "--format", "html", "--section", "1/ii", "--output",
                 str(path), stdout=out, stderr=err, verbosity=2)  # fmt: skip
    html = path.read_text()
    assert "Billing procedures and policies" in html and "Onboarding" not in html
    assert "[1/1] Billing procedures and policies" in err.getvalue()
    assert "Exported 1 approved procedure" in out.getvalue()
    quiet = io.StringIO()
    call_command("export_manual", "--format", "markdown", "--output", str(tmp_path / "m.zip"),
                 stdout=quiet, stderr=quiet, verbosity=0)  # fmt: skip
    assert quiet.getvalue() == ""
    assert len(zipfile.ZipFile(tmp_path / "m.zip").namelist()) == 4  # 3 texts, 1 screenshot
    with pytest.raises(CommandError, match="no volume 7"):
        call_command("export_manual", "--volume", "7", "--output", str(tmp_path / "x.html"))
    assert not Path(tmp_path / "x.html").exists()


def test_the_number_of_queries_of_an_export_does_not_grow_with_the_manual(manual):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ProcedureFactory
    from tests.transfer.manual import approve

    def queries(fmt):
        with CaptureQueriesContext(connection) as captured:
            response, _ = download(manual, "export_manual", fmt)
            assert response.status_code == HTTPStatus.OK
        return len(captured)

    before = {fmt: queries(fmt) for fmt in ("html", "markdown")}
    for n in range(5):
        procedure = ProcedureFactory(section=manual.section, position=10 + n)
        approve(RevisionFactory(procedure=procedure, author=manual.users["editor"]),
                manual.users["approver"])  # fmt: skip
    assert {fmt: queries(fmt) for fmt in ("html", "markdown")} == before


def test_hostile_names_are_escaped_in_the_export(manual):
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    manual.billing.title = payload
    manual.billing.save(update_fields=["title"])
    manual.volume.title = payload
    manual.volume.save(update_fields=["title"])
    approver = manual.users["approver"]
    approver.first_name = payload
    approver.save(update_fields=["first_name"])
    _, content = download(manual, "export_manual", "html")
    html = content.decode()
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_an_archived_procedure_is_in_no_export(manual):
    from procedures import workflow

    workflow.procedure_archive(
        procedure=manual.billing, user=manual.users["approver"], reason="Replaced by the PSA"
    )
    html = download(manual, "export_manual", "html")[1].decode()
    # Its page is gone (a link to it from another procedure may still name it).
    assert (
        'id="p-1-ii-billing' not in html and "Billing procedures" not in html.split("<article")[0]
    )
    assert 'id="p-1-i-onboarding"' in html  # the others stay
    names = zipfile.ZipFile(io.BytesIO(download(manual, "export_manual", "markdown")[1])).namelist()
    assert names and not any("billing" in name for name in names)


def _pages_text(path: Path) -> list[str]:
    text = subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


@pytest.mark.skipif(not exporting.pdf_available(), reason="WeasyPrint or pikepdf missing")
@override_settings(SOP_EXPORT_PDF_PART_PROCEDURES=1)
def test_a_long_pdf_laid_out_in_parts_on_two_processes_reads_as_one_document(manual, tmp_path):
    """Each procedure its own part, on two processes: numbered 1..M throughout, the contents'
    links land on the page each procedure starts on, one outline, the footer everywhere."""
    import pikepdf

    paths = {}
    for processes in (1, 2):
        paths[processes] = tmp_path / f"manual-{processes}.pdf"
        call_command("export_manual", "--format", "pdf", "--output", str(paths[processes]),
                     "--processes", str(processes), verbosity=0)  # fmt: skip
    pages = _pages_text(paths[2])
    assert len(pages) == len(_pages_text(paths[1])) >= 5  # cover, contents, 3 procedures
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Uncontrolled when printed" in text
    titles = ("Onboarding a client", "Billing procedures and policies", "Nightly backups")
    with pikepdf.open(paths[2]) as pdf:
        contents = [a for a in pdf.pages[1].obj.get("/Annots", []) if "/Dest" in a]
        targets = [pdf.pages.index(pikepdf.Page(a.Dest[0])) for a in contents]
        assert len(targets) == len(titles)  # one link per procedure in the contents
        for title, target in zip(titles, targets, strict=True):
            assert title in pages[target]  # its first page
            assert "Page 1 of" not in pages[target]
        with pdf.open_outline() as outline:
            labels = [item.title for item in outline.root]
        assert all(title in labels for title in titles)
        assert pdf.docinfo["/Title"] == "Managed Services · The whole manual"
    # The running header names the section on the procedure's pages.
    assert "Section II · Finance" in pages[targets[1]]


def test_export_command_refuses_no_processes(manual, tmp_path):
    with pytest.raises(CommandError, match="--processes must be 1 or more"):
        call_command("export_manual", "--format", "pdf", "--output", str(tmp_path / "m.pdf"),
                     "--processes", "0")  # fmt: skip
    assert not (tmp_path / "m.pdf").exists()
