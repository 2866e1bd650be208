"""Bad input gets a clear 4xx (or a clean end), never a 500: what a client sees for each refusal."""

import csv
import io
import logging
import sys

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from flowdesigner.asgi import application
from people.models import Person, PersonImport
from tests.factories import CompanyFactory, FlowFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
TOO_DEEP = {"detail": "The JSON is nested too deeply (at most 64 levels)."}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- 1. JSON nested deeper than the parser allows -----------------------------------------------------


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(api_client, enduser, marketer, depth):
    api_client.force_authenticate(enduser)
    answer = '{"form": {"button": "positive", "value": ' + nested(depth) + "}}"
    response = api_client.post("/api/inbox/messages/1/answer/", answer, content_type="application/json")
    assert (response.status_code, response.json()) == (400, TOO_DEEP)

    api_client.force_authenticate(marketer)
    person = '{"first_name": "Ann", "attributes": {"x": ' + nested(depth) + "}}"
    response = api_client.post("/api/persons/", person, content_type="application/json")
    assert (response.status_code, response.json()) == (400, TOO_DEEP)


@pytest.mark.django_db(transaction=True)
async def test_deeply_nested_json_on_the_inbox_websocket_is_answered_with_an_error(enduser):
    cookie = await database_sync_to_async(session_cookie)(enduser)
    headers = [(b"cookie", cookie), (b"origin", b"http://127.0.0.1")]
    communicator = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
    assert (await communicator.connect())[0]

    await communicator.send_to(text_data=nested(100_000))
    assert await communicator.receive_json_from(timeout=5) == {"type": "error", **TOO_DEEP}
    await communicator.send_json_to({"type": "sync"})  # the socket is still open
    assert (await communicator.receive_json_from(timeout=5))["type"] == "messages"
    await communicator.disconnect()


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def test_json_within_the_depth_limit_is_still_read(api_client, marketer):
    api_client.force_authenticate(marketer)
    body = '{"first_name": "Ann", "attributes": {"x": ' + nested(60) + "}}"
    response = api_client.post("/api/persons/", body, content_type="application/json")
    # Read (the attribute is then refused as unknown), not refused as too deep.
    assert response.status_code == 400
    assert "attributes" in response.json()


# --- 2. An export version that is not a number --------------------------------------------------------


@pytest.mark.parametrize("version", ["abc", "³", "1.5", "-1", HUGE])
def test_export_of_a_version_that_is_not_a_number_is_a_400(api_client, marketer, version):
    api_client.force_authenticate(marketer)
    flow = FlowFactory()
    response = api_client.get(f"/api/flows/{flow.pk}/export/", {"version": version})
    assert (response.status_code, response.json()) == (
        400,
        {"version": ["Must be a version number: 1, 2, 3, …"]},
    )


# --- 3. Filters with ids beyond any database integer ---------------------------------------------------


@pytest.mark.parametrize("param", ["tag", "company", "segment"])
@pytest.mark.parametrize("value", [HUGE, "³", "١"])
def test_persons_filtered_by_an_impossible_id_match_nobody(api_client, client, marketer, param, value):
    api_client.force_authenticate(marketer)
    person = PersonFactory()
    person.tags.add(TagFactory())
    person.company = CompanyFactory()
    person.save()

    response = api_client.get("/api/persons/", {param: value})
    assert (response.status_code, response.json()["count"]) == (200, 0)

    export = api_client.get("/api/persons/export/", {param: value}, HTTP_ACCEPT="text/csv")
    assert export.status_code == 200
    assert b"".join(export.streaming_content).decode().count("\n") == 1  # the header only

    client.force_login(marketer)
    page = client.get("/people/", {param: value})
    assert page.status_code == 200
    assert person.email not in page.content.decode()


# --- 4. ?ids= with digits that are not ASCII, or beyond any id -----------------------------------------


@pytest.mark.parametrize("ids", ["³", "1,²", "١", HUGE, f"1,{HUGE}"])
def test_ids_that_are_not_person_ids_are_a_400(api_client, marketer, ids):
    api_client.force_authenticate(marketer)
    response = api_client.get("/api/persons/", {"ids": ids})
    assert (response.status_code, response.json()) == (
        400,
        {"ids": ["Comma-separated person ids, e.g. 1,2,3."]},
    )


def test_bulk_tag_with_an_impossible_id_is_refused(api_client, client, marketer):
    tag = TagFactory()
    person = PersonFactory()
    api_client.force_authenticate(marketer)
    response = api_client.post(
        "/api/persons/bulk-tag/", {"tag": tag.pk, "action": "add", "ids": [int(HUGE)]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["ids"]

    client.force_login(marketer)
    for ids in ([HUGE, person.pk], ["³", person.pk]):
        response = client.post(
            "/people/bulk-tag/", {"tag": tag.pk, "action": "add", "scope": "selected", "ids": ids}
        )
        assert response.status_code == 302
        assert not tag.persons.exists()


# --- 5. An import whose stored file is gone -----------------------------------------------------------

FILE_MISSING = "The file of this import is no longer stored on the server. Upload it again."


def test_an_import_whose_file_is_missing_says_so(api_client, client, marketer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api_client.force_authenticate(marketer)
    upload = SimpleUploadedFile("people.csv", b"email\nann@example.com\n", content_type="text/csv")
    created = api_client.post("/api/imports/", {"file": upload}, format="multipart")
    assert created.status_code == 201, created.content
    person_import = PersonImport.objects.get(pk=created.json()["id"])
    person_import.file.storage.delete(person_import.file.name)

    detail = api_client.get(f"/api/imports/{person_import.pk}/")
    assert detail.status_code == 200
    assert (detail.json()["preview"], detail.json()["error"]) == (None, FILE_MISSING)

    start = api_client.post(f"/api/imports/{person_import.pk}/start/", {"mapping": ["email"]}, format="json")
    assert (start.status_code, start.json()) == (400, {"detail": FILE_MISSING, "code": "import_refused"})

    client.force_login(marketer)
    for page in (
        client.get(f"/people/import/{person_import.pk}/", follow=True),
        client.post(f"/people/import/{person_import.pk}/", {"action": "start", "width": "1"}, follow=True),
    ):
        assert page.redirect_chain == [("/people/import/", 302)]
        assert page.status_code == 200
        assert FILE_MISSING in page.content.decode()

    rejected = api_client.get(f"/api/imports/{person_import.pk}/rejected.csv", HTTP_ACCEPT="text/csv")
    assert rejected.status_code == 200
    assert b"".join(rejected.streaming_content).decode() == "\ufeffline,reason\r\n"


def test_a_queued_import_whose_file_is_missing_fails_with_a_clear_error(marketer, settings, tmp_path):
    from people import imports

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("people.csv", b"email\nann@example.com\n", content_type="text/csv")
    person_import = imports.person_import_create(file=upload, created_by=marketer)
    PersonImport.objects.filter(pk=person_import.pk).update(status="queued", mapping=["email"])
    person_import.file.storage.delete(person_import.file.name)

    imports.person_import_run(person_import.pk)

    person_import.refresh_from_db()
    assert (person_import.status, person_import.error) == ("failed", FILE_MISSING)


# --- 6. A websocket to a path nobody serves ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_websocket_path_is_closed_cleanly():
    communicator = WebsocketCommunicator(application, "/ws/nope/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}
    await communicator.disconnect()
    await communicator.wait()


# --- 7. A streamed export that fails part-way ----------------------------------------------------------


def test_a_streamed_export_that_fails_part_way_ends_with_a_line_saying_so(api_client, marketer, caplog):
    """A real failure, no patching: the export reads persons in pages of 2,000, and the 2,001st person's
    created_at is the year 20000, which the database stores but Python's datetime cannot hold (SQLite
    keeps the text, which Django reads as None, so the row cannot be written; PostgreSQL's driver refuses
    to convert it). The body has already started when the second page is read."""
    api_client.force_authenticate(marketer)
    Person.objects.bulk_create(Person(first_name=f"P{i}") for i in range(2001))
    last = Person.objects.order_by("pk").last()
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Person._meta.db_table)
        cursor.execute(
            f"UPDATE {table} SET created_at = %s WHERE id = %s", ["20000-01-01 00:00:00+00:00", last.pk]
        )

    response = api_client.get("/api/persons/export/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()

    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1 + 2000 + 1  # the header, the first page, the failure line
    assert rows[-1] == ["# export failed: a server error stopped it here; the rows above are incomplete."]
    assert text.endswith("\r\n")
    assert "Streamed CSV export failed" in caplog.text


# --- 8. Refused requests log one line, not a traceback --------------------------------------------------


@pytest.fixture
def console_log():
    """What the configured console handler writes during the test."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def test_refused_pages_log_one_line_without_a_traceback(client, marketer, enduser, console_log):
    client.force_login(marketer)
    assert client.get("/people/import/999999/").status_code == 404
    assert client.get("/people/", HTTP_HOST="evil.example").status_code == 400
    client.force_login(enduser)
    assert client.get("/people/").status_code == 403

    assert console_log.getvalue().splitlines() == [
        "Not Found: /people/import/999999/",
        "Invalid HTTP_HOST header: 'evil.example'. You may need to add 'evil.example' to ALLOWED_HOSTS. "
        "(DisallowedHost)",
        "Forbidden (Permission denied): /people/ (PermissionDenied: Your account does not have access to "
        "this page.)",
    ]


def test_server_errors_keep_their_traceback(console_log):
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    record.status_code = 500
    logging.getLogger("django.request").handle(record)

    assert "Traceback (most recent call last)" in console_log.getvalue()


# --- 9. A file that is not XML, imported as a Rogerthat flow --------------------------------------------


@pytest.mark.parametrize("data", [b"hello", b'{"a": 1}', b"PK\x03\x04binary", b"/etc/passwd"])
def test_a_non_xml_import_does_not_echo_server_paths(api_client, marketer, data):
    api_client.force_authenticate(marketer)
    upload = SimpleUploadedFile("flow.xml", data, content_type="application/xml")
    response = api_client.post("/api/flows/import/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Nothing was imported: the file has errors."
    assert len(body["errors"]) == 1
    assert body["errors"][0].startswith("This is not well-formed XML: ")
    assert str(django_settings.BASE_DIR) not in response.content.decode()
    assert "file:" not in response.content.decode()
