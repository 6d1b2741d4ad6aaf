"""Importing an archive: through the workflow, all or nothing, every bad file named."""

import io
import time
import zipfile
from http import HTTPStatus

import pytest
from django.core import mail
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from attachments.models import Attachment, RevisionAttachment
from procedures import workflow
from procedures.models import Procedure, Revision, RevisionEvent, Section, Volume
from procedures.search import search
from tests.roles import client_as, make_user
from tests.transfer.archives import GOOD, png, word_document, zip_of
from tests.transfer.manual import build_manual
from transfer import exporting
from transfer.errors import ImportRefused
from transfer.importing import import_archive
from transfer.selectors import scope_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_user("superuser", username="importer")


def counts():
    return (Volume.objects.count(), Section.objects.count(), Procedure.objects.count(),
            Revision.objects.count(), Attachment.objects.count())  # fmt: skip


def test_import_makes_drafts_by_the_importing_user_through_the_workflow(admin, tmp_path):
    path = tmp_path / "manual.zip"
    path.write_bytes(zip_of(GOOD))
    out = io.StringIO()
    call_command("import_manual", str(path), "--user", "importer", stdout=out)
    assert "Imported 1 file(s): 1 revision(s), 1 procedure(s), 1 section(s), 1 volume(s)" in (
        out.getvalue()
    )
    procedure = Procedure.objects.get()
    assert procedure.title == "Password resets"
    assert procedure.section.title == "Service desk" and procedure.section.numeral == "I"
    assert procedure.section.volume.title == "Operations"
    assert procedure.current_revision is None  # a draft, not yet approved
    draft = procedure.revisions.get()
    assert draft.status == Revision.Status.DRAFT and draft.author == admin
    assert draft.body == "# Resets\n\nCall back on a known number.\n"
    assert "<h1" in draft.body_html
    assert set(RevisionEvent.objects.values_list("action", "actor")) == {
        ("created", admin.pk), ("saved", admin.pk),
    }  # fmt: skip


def test_dry_run_keeps_nothing(admin, tmp_path):
    path = tmp_path / "manual.zip"
    path.write_bytes(zip_of(GOOD))
    out = io.StringIO()
    call_command("import_manual", str(path), "--user", "importer", "--dry-run", stdout=out)
    assert "Would import 1 file(s)" in out.getvalue() and "Nothing was kept" in out.getvalue()
    assert counts()[:4] == (0, 0, 0, 0)


def test_a_folder_imports_like_a_zip(admin, tmp_path):
    for name, text in GOOD.items():
        (tmp_path / name).parent.mkdir(parents=True)
        (tmp_path / name).write_text(text)
    call_command("import_manual", str(tmp_path), "--user", "importer", verbosity=0)
    assert Procedure.objects.get().title == "Password resets"


def test_approving_an_import_needs_a_second_approver_unless_self_approval_is_on(admin, tmp_path):
    path = tmp_path / "manual.zip"
    path.write_bytes(zip_of(GOOD))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_manual", str(path), "--user", "importer", "--approve",
                     stderr=io.StringIO())  # fmt: skip
    assert counts()[:4] == (0, 0, 0, 0)
    approver = make_user("approver", username="second-pair")
    call_command("import_manual", str(path), "--user", "importer", "--approve",
                 "--approver", "second-pair", verbosity=0)  # fmt: skip
    revision = Procedure.objects.get().current_revision
    assert revision.status == Revision.Status.APPROVED
    assert revision.author == admin and revision.reviewer == approver
    with override_settings(SOP_ALLOW_SELF_APPROVAL=True):
        path.write_bytes(zip_of({next(iter(GOOD)): "# Resets\n\nNew text.\n"}))
        call_command("import_manual", str(path), "--user", "importer", "--approve", verbosity=0)
    assert Procedure.objects.get().current_revision.body == "# Resets\n\nNew text.\n"


def test_readers_and_editors_cannot_import(tmp_path):
    make_user("editor", username="ed")
    path = tmp_path / "manual.zip"
    path.write_bytes(zip_of(GOOD))
    with pytest.raises(CommandError, match="Only administrators"):
        call_command("import_manual", str(path), "--user", "ed")


def _ten_thousand_files():
    return {f"01-a/01-b/{n:05d}-p.md": "x" for n in range(10_000)}


def _bomb():
    return {"01-a/01-b/01-big.md": "\n" * 30_000_000}


def _encrypted_docx():
    # An encrypted Office document is an OLE compound file, not a ZIP.
    return {"01-a/01-b/02-locked.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600}


BAD = {
    "bad UTF-8": ({"01-a/01-b/02-latin.md": "caf\xe9".encode("latin-1")},
                  "01-a/01-b/02-latin.md", "not UTF-8"),
    "bad front matter": ({"01-a/01-b/02-fm.md": "---\ntitle: [unclosed\n---\nText"},
                         "01-a/01-b/02-fm.md", "bad front matter"),
    "front matter not closed": ({"01-a/01-b/02-fm.md": "---\ntitle: x\nText"},
                                "01-a/01-b/02-fm.md", "no closing"),
    "unknown volume": ({"operations/01-b/02-p.md": "Text"}, "operations/01-b/02-p.md",
                       "unknown volume"),
    "volume contradicted": ({"01-a/01-b/02-p.md": "---\nvolume_number: 4\n---\nText"},
                            "01-a/01-b/02-p.md", "unknown volume"),
    "zip slip": ({"../../etc/cron.d/01-p.md": "Text"}, "../../etc/cron.d/01-p.md",
                 "outside the archive"),
    "absolute path": ({"/01-a/01-b/02-p.md": "Text"}, "/01-a/01-b/02-p.md", "outside"),
    "not in the layout": ({"notes.md": "Text"}, "notes.md", "not in the layout"),
    "missing screenshot": ({"01-a/01-b/02-p.md": "![x](02-p.files/shot.png)"},
                           "01-a/01-b/02-p.md", "not in the archive"),
    "zip bomb": (_bomb(), "01-a/01-b/01-big.md", "ZIP bomb"),
    "corrupt docx": ({"01-a/01-b/02-word.docx": b"PK\x03\x04 not really"},
                     "01-a/01-b/02-word.docx", "not a readable Word document"),
    "encrypted docx": (_encrypted_docx(), "01-a/01-b/02-locked.docx", "encrypted"),
    "10,000 files": (_ten_thousand_files(), "(the archive)", "10,001 files; the limit is 5,000"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_each_kind_of_bad_archive_is_named_and_nothing_is_imported(admin, case):
    files, name, reason = BAD[case]
    archive = zip_of({**GOOD, **files})
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_archive(source=io.BytesIO(archive), user=admin)
    assert any(n == name and reason in why for n, why in refused.value.problems), (
        refused.value.problems
    )
    assert counts() == before


def test_not_a_zip_and_an_encrypted_zip_member(admin):
    with pytest.raises(ImportRefused, match="not a ZIP"):
        import_archive(source=io.BytesIO(b"plain text"), user=admin)
    archive = bytearray(zip_of(GOOD))
    archive[6] |= 0x1  # the local header's "encrypted" flag...
    central = archive.rfind(b"PK\x01\x02")
    archive[central + 8] |= 0x1  # ...and the central directory's
    with pytest.raises(ImportRefused, match="encrypted"):
        import_archive(source=io.BytesIO(bytes(archive)), user=admin)
    assert counts()[:4] == (0, 0, 0, 0)


def test_a_file_larger_than_its_zip_declares_is_refused(admin):
    archive = bytearray(zip_of({next(iter(GOOD)): "y" * 5000}))
    central = archive.rfind(b"PK\x01\x02")
    archive[central + 24 : central + 28] = (100).to_bytes(4, "little")  # says 100 bytes
    # zipfile reads no more than the declared size, so the CRC no longer matches.
    with pytest.raises(ImportRefused, match=r"password-resets.md: damaged in the ZIP"):
        import_archive(source=io.BytesIO(bytes(archive)), user=admin)
    assert counts()[:4] == (0, 0, 0, 0)


def test_word_documents_become_markdown_with_their_images_attached(admin):
    archive = zip_of({"01-operations/01-service-desk/01-password-resets.docx": word_document()})
    import_archive(source=io.BytesIO(archive), user=admin)
    draft = Procedure.objects.get().revisions.get()
    body = draft.body
    assert "# Resetting a password" in body
    assert "## Steps" in body
    assert "- Verify the caller\n- Reset in the portal" in body
    assert "| System | Where |\n| --- | --- |\n| M365 | Admin centre |" in body
    attachment = Attachment.objects.get()
    assert attachment.is_image
    assert f"]({attachment.display_url()})" in body
    assert RevisionAttachment.objects.filter(revision=draft, in_text=True).count() == 1
    assert "<table>" in draft.body_html and "<li>" in draft.body_html


def _wipe_the_manual():
    RevisionAttachment.objects.all().delete()
    RevisionEvent.objects.all().delete()
    Procedure.objects.update(current_revision=None)
    Revision.objects.all().delete()
    Procedure.objects.all().delete()
    Section.objects.all().delete()
    Volume.objects.all().delete()
    Attachment.objects.all().delete()


def _snapshot():
    scope = scope_of()
    files = scope.files
    return [
        (
            p.section.volume.number, p.section.volume.title, p.section.numeral, p.section.title,
            p.title, p.slug, p.current_revision.body,
            [a.file.open("rb").read() for a in files.get(p.current_revision_id, [])],
        )
        for p in scope.procedures
    ]  # fmt: skip


def test_round_trip_export_then_import_into_an_empty_manual(admin):
    manual = build_manual()
    before = _snapshot()
    out = io.BytesIO()
    exporting.write_markdown_zip(scope_of(), out)
    _wipe_the_manual()
    assert counts() == (0, 0, 0, 0, 0)
    report = import_archive(source=io.BytesIO(out.getvalue()), user=admin, approve=True,
                            approver=manual.users["approver"])  # fmt: skip
    assert report.revisions == 3
    assert _snapshot() == before
    assert Procedure.objects.get(slug="onboarding").linked_from().count() == 0
    billing = Procedure.objects.get(slug="billing-procedures-and-policies")
    assert billing.linked_from().get().slug == "onboarding"  # [[links]] resolve again


def test_importing_the_same_archive_again_changes_nothing(admin):
    archive = zip_of(GOOD)
    import_archive(source=io.BytesIO(archive), user=admin, approve=True,
                   approver=make_user("approver", username="ap"))  # fmt: skip
    report = import_archive(source=io.BytesIO(archive), user=admin)
    assert report.revisions == 0 and "unchanged" in report.outcomes[0].action


# Mail: one message per person once the import commits, never one per procedure.

NEW_TEXTS = {
    "01-front-office-mastery/02-finance/03-billing-procedures-and-policies.md": "# Billing\n\nNew.",
    "01-front-office-mastery/01-service-desk/01-onboarding.md": "# Onboarding\n\nNew.",
}


def test_an_approved_import_sends_each_person_one_message(
    admin, django_capture_on_commit_callbacks
):
    manual = build_manual()
    editor, approver = manual.users["editor"], manual.users["approver"]
    workflow.revision_start_draft(procedure=manual.onboarding, user=editor)  # as billing has
    with django_capture_on_commit_callbacks(execute=True):
        import_archive(source=io.BytesIO(zip_of(NEW_TEXTS)), user=admin, approve=True,
                       approver=approver)  # fmt: skip
    assert Procedure.objects.get(slug="onboarding").current_revision.body == "# Onboarding\n\nNew."
    by_person = {tuple(message.to): message for message in mail.outbox}
    # The approvers are not asked to review what the import approved; the importer hears
    # once that both are approved; the editor once that both of their drafts are out of date.
    assert sorted(by_person) == sorted([(admin.email,), (editor.email,)]), by_person
    told = by_person[(admin.email,)]
    assert told.subject == "Import by importer: 2 messages in one"
    assert "Approved: Billing procedures and policies (revision 3)" in told.body
    assert "Approved: Onboarding a client (revision 3)" in told.body
    warned = by_person[(editor.email,)]
    assert warned.subject == "Import by importer: 2 messages in one"
    assert warned.body.count("Out of date: ") == 2 and "Bring up to date" in warned.body


def test_an_import_tells_no_one_what_they_did_themselves_nor_what_was_not_kept(
    admin, settings, django_capture_on_commit_callbacks
):
    make_user("approver", username="other-approver")
    settings.SOP_ALLOW_SELF_APPROVAL = True
    with django_capture_on_commit_callbacks(execute=True):
        import_archive(source=io.BytesIO(zip_of(GOOD)), user=admin, approve=True, dry_run=True)
        with pytest.raises(ImportRefused):
            bad = {"01-operations/02-onboarding/01-untitled.md": '---\ntitle: ""\n---\nText'}
            import_archive(source=io.BytesIO(zip_of({**GOOD, **bad})), user=admin, approve=True)
        import_archive(source=io.BytesIO(zip_of(GOOD)), user=admin, approve=True)
    assert Procedure.objects.get().current_revision.reviewer == admin
    assert mail.outbox == []


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("manual.zip", content, content_type="application/zip")


def test_the_import_page_previews_then_imports(admin):
    client = client_as(admin)
    url = reverse("transfer:import")
    assert client.get(url).status_code == HTTPStatus.OK
    preview = client.post(url, {"archive": _upload(zip_of(GOOD)), "action": "preview"})
    assert preview.status_code == HTTPStatus.OK
    assert b"Preview: nothing was kept" in preview.content
    assert b"01-operations/01-service-desk/01-password-resets.md" in preview.content
    assert Procedure.objects.count() == 0
    done = client.post(url, {"archive": _upload(zip_of(GOOD)), "action": "import"})
    assert b"Imported" in done.content
    assert Procedure.objects.get().revisions.get().status == Revision.Status.DRAFT


def test_the_import_page_names_bad_files_with_a_400(admin):
    bad = zip_of({**GOOD, "../evil.md": "x"})
    response = client_as(admin).post(reverse("transfer:import"), {"archive": _upload(bad)})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"Nothing was imported" in response.content and b"../evil.md" in response.content
    assert Procedure.objects.count() == 0
    empty = client_as(admin).post(reverse("transfer:import"), {})
    assert empty.status_code == HTTPStatus.BAD_REQUEST


def test_an_archive_over_the_upload_limit_is_refused_saying_so(admin):
    from django.test import override_settings

    with override_settings(SOP_ATTACHMENT_MAX_BYTES=100):
        response = client_as(admin).post(
            reverse("transfer:import"), {"archive": _upload(zip_of(GOOD) + b"x" * 200)}
        )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"The archive is over 100" in response.content
    assert Procedure.objects.count() == 0


def test_only_administrators_see_the_import_page():
    for role in ("reader", "editor", "approver"):
        response = client_as(make_user(role)).get(reverse("transfer:import"))
        assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_zip_made_by_the_export_lists_its_files(admin):
    # The preview shows one row per procedure file, in book order.
    build_manual()
    out = io.BytesIO()
    exporting.write_markdown_zip(scope_of(), out)
    names = zipfile.ZipFile(io.BytesIO(out.getvalue())).namelist()
    report = import_archive(source=io.BytesIO(out.getvalue()), user=admin, dry_run=True)
    assert [o.name for o in report.outcomes] == [n for n in names if n.endswith(".md")]


def test_reimporting_an_export_with_screenshots_changes_nothing_and_a_preview_stores_nothing(
    admin,
):
    build_manual()
    out = io.BytesIO()
    exporting.write_markdown_zip(scope_of(), out)
    before = counts()
    report = import_archive(source=io.BytesIO(out.getvalue()), user=admin)
    assert {o.action for o in report.outcomes} == {"unchanged: the approved text is this"}
    assert counts() == before
    stored = sorted(_files_in_storage())
    text = "![New](02-p.files/new.png)"
    preview = import_archive(
        source=io.BytesIO(
            zip_of({"01-a/01-b/02-p.md": text, "01-a/01-b/02-p.files/new.png": png()})
        ),
        user=admin,
        dry_run=True,
    )
    assert preview.revisions == 1
    assert sorted(_files_in_storage()) == stored  # nothing written for a preview
    assert counts() == before


def test_a_screenshot_that_is_not_an_image_is_named_and_nothing_imported(admin):
    files = {
        "01-a/01-b/02-p.md": "![x](02-p.files/shot.png)",
        "01-a/01-b/02-p.files/shot.png": b"no",
    }
    with pytest.raises(ImportRefused) as refused:
        import_archive(source=io.BytesIO(zip_of({**GOOD, **files})), user=admin)
    assert [name for name, _ in refused.value.problems] == ["01-a/01-b/02-p.md"]
    assert counts()[:4] == (0, 0, 0, 0)


def test_a_file_refused_where_it_would_add_a_section_is_the_only_one_named(admin):
    # The first file of a new section is refused after the section was added: rolling its
    # changes back takes the section away again, and the next file there adds it afresh
    # rather than being refused for a section that is gone.
    files = {
        "01-operations/02-onboarding/01-untitled.md": '---\ntitle: ""\n---\nText',
        "01-operations/02-onboarding/02-fine.md": "# Fine\n\nText",
    }
    with pytest.raises(ImportRefused) as refused:
        import_archive(source=io.BytesIO(zip_of({**GOOD, **files})), user=admin)
    assert [name for name, _ in refused.value.problems] == [
        "01-operations/02-onboarding/01-untitled.md"
    ], refused.value.problems
    assert "needs a title" in refused.value.problems[0][1]
    assert counts()[:4] == (0, 0, 0, 0)


def _files_in_storage():
    from django.core.files.storage import storages

    from transfer.backup import _stored_files

    return list(_stored_files(storages["default"]))


def test_an_approved_import_is_searchable_and_links_to_later_files_resolve(admin, client):
    """The import writes through the transitions with their per-procedure effects deferred
    (effects.bulk_write): links, search and readers' pages must still be right afterwards."""
    shot = png((200, 30, 30))
    archive = zip_of({
        "01-ops/01-desk/01-first.md": "# First\n\nSee [[1/i/second]] for the zebrafinch step.\n"
                                      "\n![Screen](01-first.files/screen.png)\n",
        "01-ops/01-desk/01-first.files/screen.png": shot,
        "01-ops/01-desk/02-second.md": "# Second\n\n![Screen](02-second.files/screen.png)\n",
        "01-ops/01-desk/02-second.files/screen.png": shot,
    })  # fmt: skip
    client.force_login(admin)
    first_url = reverse("procedures:procedure", kwargs={"volume": 1, "section": "I",
                                                        "slug": "first"})  # fmt: skip
    assert client.get(first_url).status_code == HTTPStatus.NOT_FOUND
    import_archive(source=io.BytesIO(archive), user=admin, approve=True,
                   approver=make_user("approver", username="ap"))  # fmt: skip
    assert [h.procedure.slug for h in search("zebrafinch").hits] == ["first"]
    first = Procedure.objects.get(slug="first")
    assert Procedure.objects.get(slug="second").linked_from().get() == first
    second_url = Procedure.objects.get(slug="second").get_absolute_url()
    assert f'href="{second_url}"' in first.current_revision.body_html
    assert Attachment.objects.count() == 1  # the same screenshot, stored once
    assert "zebrafinch" in client.get(first_url).content.decode()


class SlowStorage(FileSystemStorage):
    """Writes each file a moment after looking whether it is there, as a busy disk or a
    bucket does: two writers of the same name both find it missing."""

    def _save(self, name, content):
        time.sleep(0.2)
        return super()._save(name, content)


def test_the_same_screenshot_in_many_files_is_stored_once(admin, settings):
    # Each copy is checked on a worker thread, which also writes it: copies that clean to the
    # same bytes at the same moment must not leave a second file ("<hash>_AbC12.png").
    default = settings.STORAGES["default"]
    settings.STORAGES = {**settings.STORAGES, "default": {
        **default, "BACKEND": f"{__name__}.SlowStorage"}}  # fmt: skip
    shot = png((90, 30, 160))
    files = {}
    for n in range(1, 5):
        files[f"01-a/01-b/0{n}-p{n}.md"] = f"# P{n}\n\n![Shot](0{n}-p{n}.files/shot-{n}.png)\n"
        files[f"01-a/01-b/0{n}-p{n}.files/shot-{n}.png"] = shot
    report = import_archive(source=io.BytesIO(zip_of(files)), user=admin)
    assert report.revisions == 4
    attachment = Attachment.objects.get()
    assert RevisionAttachment.objects.filter(attachment=attachment, in_text=True).count() == 4
    folder = attachment.file.name.rsplit("/", 1)[0]
    copies = {n for n in _files_in_storage() if n.startswith(f"{folder}/{attachment.sha256}")}
    assert copies == {attachment.file.name}
