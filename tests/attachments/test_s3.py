"""Attachments in S3 (django-storages), against a real S3 API: moto's standalone server on
127.0.0.1, spoken to over HTTP by boto3 exactly as a bucket would be. No client is patched."""

import io
import json
from http import HTTPStatus

import boto3
import pytest
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image

from attachments.models import Attachment
from procedures import workflow
from tests.attachments.files import image_bytes, upload
from tests.factories import ProcedureFactory, approved_revision
from tests.roles import client_as, make_user
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db

BUCKET = "sop-attachments"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2", **CREDENTIALS)
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    # The same options msp_sop/settings.py builds from SOP_S3_* (checked below).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "location": "sop",
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-2",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": True,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_uploads_are_stored_in_the_bucket_and_served_by_the_app(bucket):
    assert type(storages["default"]).__name__ == "S3Storage"
    editor, reader = make_user("editor"), make_user("reader")
    procedure = ProcedureFactory()
    approved_revision(procedure)
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    client = client_as(editor)
    url = reverse("attachments:upload", kwargs={"revision_id": draft.pk})
    wide = image_bytes(size=(2000, 100))
    response = client.post(url, {"file": upload(wide, "wide.png")})
    assert response.status_code == HTTPStatus.CREATED, response.content
    again = client.post(url, {"file": upload(wide, "again.png")})
    assert again.json()["stored_already"] is True

    attachment = Attachment.objects.get()
    sha = attachment.sha256
    assert keys(bucket) == [
        f"sop/attachments/{sha[:2]}/{sha}.display.png",
        f"sop/attachments/{sha[:2]}/{sha}.png",
    ]
    # Private: the object has no public grant.
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=f"sop/{attachment.file.name}")["Grants"]
    assert not [g for g in grants if "AllUsers" in json.dumps(g)]

    fetched = client.get(attachment.get_absolute_url())
    assert fetched.status_code == HTTPStatus.OK
    body = b"".join(fetched.streaming_content)
    stored = bucket.get_object(Bucket=BUCKET, Key=f"sop/{attachment.file.name}")["Body"].read()
    assert body == stored and Image.open(io.BytesIO(body)).size == (2000, 100)
    display = b"".join(client.get(attachment.display_url()).streaming_content)
    assert Image.open(io.BytesIO(display)).size == (1600, 80)
    # Still only for those who may see a revision referring to it.
    assert client_as(reader).get(attachment.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_settings_build_the_s3_storage_from_the_environment(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default'], default=str))",
        env={
            "SOP_VAR_DIR": str(tmp_path),
            "SOP_S3_BUCKET": "office-sop",
            "SOP_S3_ENDPOINT_URL": "https://s3.example.internal",
            "SOP_S3_REGION": "eu-west-2",
            "SOP_S3_PREFIX": "manual",
        },
    )
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout.strip().splitlines()[-1])
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] | {} == {
        **storage["OPTIONS"],
        "bucket_name": "office-sop",
        "endpoint_url": "https://s3.example.internal",
        "region_name": "eu-west-2",
        "location": "manual",
        "default_acl": None,
    }


def test_without_a_bucket_files_stay_on_the_local_disk(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; d = settings.STORAGES['default']; "
        "print(d['BACKEND'], d['OPTIONS']['location'])",
        env={"SOP_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.core.files.storage.FileSystemStorage",
        str(tmp_path / "media"),
    ]
