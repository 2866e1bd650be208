"""Photo uploads for forms: content sniffing, the size limit, private serving, and ownership in answers."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engine import services as engine_services
from flowdesigner import services as flow_services
from messaging.models import Message, Upload
from messaging.services import safe_file_name
from tests.engine.test_forms import form_definition
from tests.factories import FlowFactory, PersonFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, name: str, data: bytes, content_type: str = "image/png"):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post("/api/inbox/uploads/", {"file": file}, format="multipart")


@pytest.fixture
def client(api_client, enduser):
    api_client.force_login(enduser)
    return api_client


@pytest.mark.parametrize(
    ("name", "data", "content_type", "stored_name"),
    [
        ("holiday photo.PNG", PNG, "image/png", "holiday_photo.png"),
        ("camera.jpg", JPEG, "image/jpeg", "camera.jpg"),
        ("anim.gif", GIF, "image/gif", "anim.gif"),
        ("pic.webp", WEBP, "image/webp", "pic.webp"),
        # The content decides, not the name or the client's content type.
        ("photo.jpg", PNG, "image/png", "photo.png"),
        ("../../etc/passwd.png", PNG, "image/png", "passwd.png"),
        ("....png", PNG, "image/png", "photo.png"),
    ],
)
def test_images_are_stored_by_their_content(client, enduser, settings, name, data, content_type, stored_name):
    response = upload(client, name, data, content_type="application/octet-stream")
    assert response.status_code == 201, response.json()
    body = response.json()
    stored = Upload.objects.get()
    assert body == {
        "id": str(stored.uuid),
        "url": f"/media/uploads/{stored.uuid}/{stored_name}",
        "name": stored_name,
        "content_type": content_type,
        "size": len(data),
    }
    assert stored.person == enduser.person
    assert (Path(settings.MEDIA_ROOT) / "uploads" / str(stored.uuid) / stored_name).read_bytes() == data


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"<html><script>alert(1)</script></html>", "image/png"),
        (b"%PDF-1.7 " + b"\x00" * 20, "image/jpeg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20, "image/webp"),
    ],
)
def test_anything_else_is_refused_whatever_the_client_claims(client, data, content_type):
    response = upload(client, "x.png", data, content_type)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only JPEG, PNG, WebP and GIF images can be uploaded.",
        "code": "upload_refused",
    }
    assert not Upload.objects.exists()


def test_files_over_the_limit_are_refused(client, settings):
    settings.UPLOAD_MAX_BYTES = 100
    assert upload(client, "ok.png", PNG + b"\x00" * 52).status_code == 201  # exactly 100 bytes
    response = upload(client, "big.png", PNG + b"\x00" * 53)
    assert response.status_code == 400
    assert response.json()["detail"] == "The file is larger than 100 bytes."
    assert Upload.objects.count() == 1


def test_the_default_limit_is_ten_mib(client, settings):
    assert settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024
    response = upload(client, "big.png", PNG + b"\x00" * (10 * 1024 * 1024))
    assert (response.status_code, response.json()["detail"]) == (400, "The file is larger than 10 MiB.")


def test_an_empty_or_missing_file_is_refused(client):
    assert upload(client, "empty.png", b"").status_code == 400
    assert client.post("/api/inbox/uploads/", {}, format="multipart").status_code == 400


def test_only_end_users_upload(api_client, marketer):
    api_client.force_login(marketer)
    assert upload(api_client, "a.png", PNG).status_code == 403
    api_client.logout()
    assert upload(api_client, "a.png", PNG).status_code in (401, 403)


def test_files_are_served_to_their_owner_and_staff_only(client, api_client, staff, enduser):
    url = upload(client, "a.png", PNG).json()["url"]
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"

    other = UserFactory(username="olga", roles=["enduser"])
    PersonFactory(user=other)
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    client.force_login(staff)
    assert client.get(url).status_code == 200
    assert client.get(url.replace("a.png", "b.png")).status_code == 404


def test_safe_file_name():
    assert safe_file_name("C:\\Users\\me\\My Photo (1).jpeg", "jpg") == "My_Photo_1.jpg"
    assert safe_file_name("", "gif") == "photo.gif"
    assert len(safe_file_name("x" * 300 + ".png", "png")) == 84


# --- answering a photo_upload form ------------------------------------------------------------------------


@pytest.fixture
def photo_form(enduser, django_capture_on_commit_callbacks):
    tag = TagFactory()
    enduser.person.tags.add(tag)
    flow = FlowFactory(draft_definition=form_definition({"type": "photo_upload"}, tag=tag.pk))
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience=None)
    return Message.objects.get(person=enduser.person, node_id="ask")


def test_a_photo_answer_names_my_upload(client, photo_form, django_capture_on_commit_callbacks):
    uploaded = upload(client, "damage.jpg", JPEG).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/inbox/messages/{photo_form.pk}/answer/",
            {"form": {"button": "positive", "value": {"upload": uploaded["id"]}}},
            format="json",
        )
    assert response.status_code == 200, response.json()
    assert response.json()["form_result"] == {
        "type": "file_result",
        "value": {k: uploaded[k] for k in ("url", "name", "content_type", "size")},
    }
    assert response.json()["display_value"] == uploaded["url"]


@pytest.mark.parametrize("whose", ["someone else's", "unknown", "not a uuid"])
def test_a_photo_answer_with_a_file_that_is_not_mine_is_refused(client, photo_form, whose):
    stranger = PersonFactory()
    theirs = Upload.objects.create(
        person=stranger,
        file=SimpleUploadedFile("t.png", PNG),
        name="t.png",
        content_type="image/png",
        size=48,
    )
    upload_id = {
        "someone else's": str(theirs.uuid),
        "unknown": "5b1c2f0e-9d7a-4d35-8b0e-2f1a3c4d5e6f",
        "not a uuid": "../../etc/passwd",
    }[whose]
    response = client.post(
        f"/api/inbox/messages/{photo_form.pk}/answer/",
        {"form": {"button": "positive", "value": {"upload": upload_id}}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "That photo is not one of your uploads; upload it again"
    photo_form.refresh_from_db()
    assert photo_form.answered_at is None


def test_uploads_stream_from_disk(client):
    # A sanity check that a multi-chunk file round-trips unchanged.
    data = PNG + bytes(range(256)) * 400
    url = upload(client, "big.png", data).json()["url"]
    assert b"".join(client.get(url).streaming_content) == data
