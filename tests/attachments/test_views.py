"""Uploading for a draft (JSON and the plain file field), serving, and who may fetch what."""

import io
from http import HTTPStatus

import pytest
from django.core.files.storage import storages
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from attachments.models import Attachment, RevisionAttachment
from procedures import workflow
from procedures.models import Revision
from tests.attachments.files import GPS_IFD, attach, image_bytes, jpeg_with_gps, upload
from tests.factories import ProcedureFactory, approved_revision
from tests.pages import draft_form, messages_of, rurl, text
from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db

HTML = b"<html><script>alert(1)</script></html>"


@pytest.fixture
def people():
    return {role: make_user(role) for role in ("reader", "editor", "approver", "superuser")}


@pytest.fixture
def draft(people):
    procedure = ProcedureFactory()
    approved_revision(procedure, author=people["approver"])
    return workflow.revision_start_draft(procedure=procedure, user=people["editor"])


def upload_url(revision):
    return reverse("attachments:upload", kwargs={"revision_id": revision.pk})


def post_file(client, revision, content, name, **extra):
    return client.post(upload_url(revision), {"file": upload(content, name), **extra})


def fetch(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# Uploading through the editor's endpoint.


def test_upload_returns_markdown_and_stores_the_re_encoded_image(people, draft):
    client = client_as(people["editor"])
    response = post_file(client, draft, jpeg_with_gps(), "site photo.jpg", alt="The rack")
    assert response.status_code == HTTPStatus.CREATED
    data = response.json()
    attachment = Attachment.objects.get()
    assert data["url"] == attachment.get_absolute_url()
    assert data["markdown"] == f"![The rack]({data['url']})"
    assert (data["kind"], data["content_type"], data["name"]) == (
        "image",
        "image/jpeg",
        "site photo.jpg",
    )
    assert data["url"].startswith(f"/files/{attachment.sha256}/")
    # The stored bytes are the re-encoded ones, named after their hash; no GPS in them.
    stored = storages["default"].open(attachment.file.name).read()
    assert attachment.sha256 in attachment.file.name
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(GPS_IFD)
    # The author can fetch it for the preview before the text is saved.
    fetched, body = fetch(client, data["url"])
    assert fetched.status_code == HTTPStatus.OK and body == stored
    draft.refresh_from_db()
    assert "/files/" not in draft.body  # the upload alone never changes the text


def test_alt_text_defaults_to_the_file_name(people, draft):
    data = post_file(client_as(people["editor"]), draft, image_bytes(), "vpn-settings.png").json()
    assert data["markdown"].startswith("![vpn-settings](")


def test_the_same_bytes_are_stored_once(people, draft):
    client = client_as(people["editor"])
    first = post_file(client, draft, image_bytes(), "a.png")
    second = post_file(client, draft, image_bytes(), "copy of a.png")
    assert (first.status_code, second.status_code) == (HTTPStatus.CREATED, HTTPStatus.OK)
    assert second.json()["stored_already"] is True
    assert Attachment.objects.count() == 1
    folder, name = Attachment.objects.get().file.name.rsplit("/", 1)
    # The folder is the hash's first two digits: other tests' files may share it.
    sha256 = name.split(".")[0]
    assert [n for n in storages["default"].listdir(folder)[1] if n.startswith(sha256)] == [name]


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (HTML, "screenshot.png", "not a PNG, JPEG, WebP or GIF image"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.svg",
            "SVG",
        ),
        (b"", "empty.png", "empty (0 bytes)"),
        (b"MZ\x90\x00", "report.pdf.exe", "double extension"),
        (b"MZ\x90\x00", "tool.exe", ".exe cannot be attached"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(people, draft, content, name, words):
    body_before = draft.body
    response = post_file(client_as(people["editor"]), draft, content, name)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert words in response.json()["error"]
    assert Attachment.objects.count() == 0
    draft.refresh_from_db()
    assert draft.body == body_before


@override_settings(SOP_ATTACHMENT_MAX_BYTES=10_000)
def test_a_file_over_the_limit_is_stopped_while_it_is_read(people, draft):
    response = post_file(client_as(people["editor"]), draft, b"x" * 200_000, "big.txt")
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "over the limit of 10 KB" in response.json()["error"]
    assert Attachment.objects.count() == 0


def test_a_traversal_name_is_neutralised(people, draft):
    data = post_file(
        client_as(people["editor"]), draft, b"log\n", "../../etc/\x07cron\r.txt"
    ).json()
    assert data["name"] == "cron.txt"
    assert ".." not in Attachment.objects.get().file.name


@pytest.mark.parametrize("role", ["reader", "approver", "superuser"])
def test_only_the_author_may_upload_to_a_draft(people, draft, role):
    response = post_file(client_as(people[role]), draft, image_bytes(), "a.png")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Attachment.objects.count() == 0


def test_nothing_can_be_uploaded_to_a_revision_past_draft(people, draft):
    workflow.revision_submit(revision=draft, user=people["editor"], summary="Done")
    response = post_file(client_as(people["editor"]), draft, image_bytes(), "a.png")
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_upload_needs_a_csrf_token(people, draft):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["editor"])
    response = post_file(client, draft, image_bytes(), "a.png")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Attachment.objects.count() == 0


# Serving.


def test_response_headers_of_an_image(people, draft):
    attachment = attach(draft, image_bytes(), "screen.png")
    response, _ = fetch(client_as(people["editor"]), attachment.get_absolute_url())
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="screen.png"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"


def test_other_files_are_downloads_under_their_sanitised_name(people, draft):
    attachment = attach(draft, b"%PDF-1.4\n", "Firewall rules (v2).pdf")
    response, body = fetch(client_as(people["editor"]), attachment.get_absolute_url())
    assert body == b"%PDF-1.4\n"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Firewall rules _v2_.pdf"'


def test_a_link_naming_another_type_downloads_under_the_stored_name(people, draft):
    attachment = attach(draft, b"%PDF-1.4\n", "rules.pdf")
    url = reverse("attachments:file", kwargs={"key": attachment.sha256, "name": "rules.exe"})
    response, _ = fetch(client_as(people["editor"]), url)
    assert response["Content-Disposition"] == 'attachment; filename="rules.pdf"'


@override_settings(SOP_ATTACHMENT_X_ACCEL_PREFIX="/protected-media/")
def test_x_accel_redirect_hands_the_sending_to_nginx(people, draft):
    attachment = attach(draft, image_bytes(), "screen.png")
    response = client_as(people["editor"]).get(attachment.get_absolute_url())
    assert response["X-Accel-Redirect"] == "/protected-media/" + attachment.file.name
    assert response.content == b""
    assert response["Content-Type"] == "image/png"


@override_settings(SOP_ATTACHMENT_DISPLAY_WIDTH=100)
def test_a_wide_image_shows_its_display_copy_linked_to_the_original(people, draft):
    attachment = attach(draft, image_bytes(size=(400, 50)), "wide.png")
    assert draft.body.endswith(
        f"[![wide]({attachment.display_url()})]({attachment.get_absolute_url()})"
    )
    response, body = fetch(client_as(people["editor"]), attachment.display_url())
    assert response.status_code == HTTPStatus.OK
    assert Image.open(io.BytesIO(body)).size == (100, 12)


# Who may fetch what: by the revisions that refer to the file.


def status_for(user, url):
    return client_as(user).get(url).status_code


def urls_of(attachment):
    """Every URL naming the file: its own name, another name, the display copy."""
    key = attachment.sha256
    return [
        attachment.get_absolute_url(),
        reverse("attachments:file", kwargs={"key": key, "name": "anything.png"}),
        reverse("attachments:file", kwargs={"key": key, "name": str(attachment.pk)}),
        reverse("attachments:display", kwargs={"key": key, "name": attachment.name}),
    ]


def test_a_file_only_in_a_draft_is_its_authors_alone(people, draft):
    attachment = attach(draft, image_bytes(), "draft-only.png")
    assert status_for(people["editor"], attachment.get_absolute_url()) == HTTPStatus.OK
    for role in ("reader", "approver", "superuser"):
        for url in urls_of(attachment):
            assert status_for(people[role], url) == HTTPStatus.NOT_FOUND, (role, url)
    assert status_for(None, attachment.get_absolute_url()) == HTTPStatus.FOUND  # to log in


def test_in_review_editors_and_approvers_may_fetch_it_readers_not(people, draft):
    attachment = attach(draft, image_bytes(), "in-review.png")
    workflow.revision_submit(revision=draft, user=people["editor"], summary="Screenshots")
    url = attachment.get_absolute_url()
    other_editor = make_user("editor", username="other-editor")
    assert status_for(people["approver"], url) == HTTPStatus.OK
    assert status_for(other_editor, url) == HTTPStatus.OK
    for url in urls_of(attachment):
        assert status_for(people["reader"], url) == HTTPStatus.NOT_FOUND


def test_after_approval_every_reader_may_fetch_it(people, draft):
    attachment = attach(draft, image_bytes(), "approved.png")
    workflow.revision_submit(revision=draft, user=people["editor"], summary="Screenshots")
    draft.refresh_from_db()
    workflow.revision_approve(revision=draft, user=people["approver"])
    assert status_for(people["reader"], attachment.get_absolute_url()) == HTTPStatus.OK


def test_a_file_stays_when_a_newer_revision_drops_it(people, draft):
    attachment = attach(draft, image_bytes(), "old.png")
    workflow.revision_submit(revision=draft, user=people["editor"], summary="With image")
    draft.refresh_from_db()
    workflow.revision_approve(revision=draft, user=people["approver"])
    procedure = draft.procedure
    newer = workflow.revision_start_draft(procedure=procedure, user=people["editor"])
    client = client_as(people["editor"])
    response = client.post(
        rurl("revision_edit", newer), draft_form(newer, body="# No image any more")
    )
    assert response.status_code == HTTPStatus.FOUND
    assert RevisionAttachment.objects.filter(revision=newer).count() == 0
    assert storages["default"].exists(attachment.file.name)
    assert status_for(people["reader"], attachment.get_absolute_url()) == HTTPStatus.OK


def test_naming_a_hash_in_ones_draft_does_not_open_someone_elses_draft_file(people, draft):
    secret = attach(draft, image_bytes(color=(1, 2, 3)), "secret.png")
    intruder = make_user("editor", username="intruder")
    theirs = workflow.revision_start_draft(procedure=draft.procedure, user=intruder)
    response = client_as(intruder).post(
        rurl("revision_edit", theirs),
        draft_form(theirs, body=f"![x]({secret.get_absolute_url()})"),
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not RevisionAttachment.objects.filter(revision=theirs).exists()
    assert status_for(intruder, secret.get_absolute_url()) == HTTPStatus.NOT_FOUND


def test_a_restored_revision_keeps_its_files_visible_to_its_new_author(people, draft):
    attachment = attach(draft, image_bytes(), "restore.png")
    workflow.revision_submit(revision=draft, user=people["editor"], summary="With image")
    draft.refresh_from_db()
    workflow.revision_approve(revision=draft, user=people["approver"])
    other = make_user("editor", username="restorer")
    restored = workflow.revision_restore(revision=draft, user=other)
    client = client_as(other)
    client.post(rurl("revision_edit", restored), draft_form(restored))
    assert RevisionAttachment.objects.filter(revision=restored, in_text=True).count() == 1
    assert status_for(other, attachment.get_absolute_url()) == HTTPStatus.OK


# The plain file field of the edit form (no JavaScript).


def test_the_edit_form_has_a_plain_file_field(people, draft):
    page = text(client_as(people["editor"]).get(rurl("revision_edit", draft)))
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="attachment"' in page
    assert 'name="attachment_alt"' in page


def test_saving_with_a_file_stores_it_and_appends_its_markdown(people, draft):
    client = client_as(people["editor"])
    form = draft_form(draft, body="# Steps\n\n1. Open the console.")
    form |= {"attachment": upload(image_bytes(), "console.png"), "attachment_alt": "The console"}
    response = client.post(rurl("revision_edit", draft), form)
    assert response.status_code == HTTPStatus.FOUND
    draft.refresh_from_db()
    attachment = Attachment.objects.get()
    assert (
        draft.body
        == f"# Steps\n\n1. Open the console.\n\n![The console]({attachment.get_absolute_url()})\n"
    )
    assert f'<img alt="The console" src="{attachment.get_absolute_url()}"' in draft.body_html
    assert RevisionAttachment.objects.get().in_text


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (HTML, "screenshot.png", "not a PNG, JPEG, WebP or GIF image"),
        (b"MZ", "report.pdf.exe", "double extension"),
        (b"", "empty.txt", "The submitted file is empty"),  # Django's FileField says so
    ],
)
def test_a_refused_file_keeps_the_text_in_the_form_and_saves_nothing(
    people, draft, content, name, words
):
    client = client_as(people["editor"])
    typed = "# My unsaved text\n\nStill here."
    form = draft_form(draft, body=typed) | {"attachment": upload(content, name)}
    response = client.post(rurl("revision_edit", draft), form)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert words in text(response)  # beside the file field
    assert "My unsaved text" in text(response)
    saved = Revision.objects.get(pk=draft.pk)
    assert saved.body == draft.body and saved.version == draft.version


@override_settings(SOP_ATTACHMENT_MAX_BYTES=10_000)
def test_an_over_size_file_in_the_form_keeps_the_text(people, draft):
    client = client_as(people["editor"])
    form = draft_form(draft, body="Typed text") | {"attachment": upload(b"x" * 100_000, "big.txt")}
    response = client.post(rurl("revision_edit", draft), form)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "over the limit of 10 KB" in " ".join(messages_of(response))
    assert "Typed text" in text(response)
    assert Attachment.objects.count() == 0


def test_an_image_in_saved_text_renders_as_an_img_of_the_apps_own_url(people, draft):
    attachment = attach(draft, image_bytes(), "shown.png")
    assert f'src="{attachment.get_absolute_url()}"' in draft.body_html


def test_serving_a_file_costs_three_queries_however_many_revisions_refer_to_it(
    people, draft, django_assert_num_queries
):
    attachment = attach(draft, image_bytes(), "everywhere.png")
    workflow.revision_submit(revision=draft, user=people["editor"], summary="Screenshot")
    draft.refresh_from_db()
    workflow.revision_approve(revision=draft, user=people["approver"])
    for _ in range(5):  # later revisions keep the screenshot
        newer = workflow.revision_start_draft(procedure=draft.procedure, user=people["editor"])
        client_as(people["editor"]).post(
            rurl("revision_edit", newer), draft_form(newer, action="submit", summary="Again")
        )
    client = client_as(people["reader"])
    client.get(attachment.get_absolute_url())  # the session and permissions into the cache
    with django_assert_num_queries(3):  # the user, the file, the revisions referring to it
        response = client.get(attachment.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert RevisionAttachment.objects.filter(attachment=attachment).count() == 6


def test_files_another_upload_stores_first_are_kept_as_theirs(people, draft, monkeypatch):
    # Between looking for the files and recording them, another upload records one of the
    # same bytes (its row commits first): the batch keeps that record, stores the rest, and
    # the transaction goes on (on PostgreSQL a failed INSERT spoils it without a savepoint).
    from attachments import transitions
    from attachments.processing import process_upload

    theirs, mine = image_bytes(color=(1, 2, 3)), image_bytes(color=(4, 5, 6))
    processed = [process_upload(content=c, name=n) for c, n in ((theirs, "a.png"), (mine, "b.png"))]
    unsaved = transitions._unsaved

    def raced(file, user):
        record = unsaved(file, user)
        if file.sha256 == processed[0].sha256 and not Attachment.objects.exists():
            unsaved(file, people["approver"]).save()  # the other upload, by someone else
        return record

    monkeypatch.setattr(transitions, "_unsaved", raced)
    with transaction.atomic():
        added = transitions.attachments_add(
            revision=draft, user=people["editor"], processed=processed
        )
        assert [a.created for a in added] == [False, True]
        assert [a.attachment.uploaded_by for a in added] == [people["approver"], people["editor"]]
        assert RevisionAttachment.objects.filter(revision=draft, uploaded_here=True).count() == 2
