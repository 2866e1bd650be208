"""Rogerthat XML through the API and the management commands."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from flowdesigner.models import Flow
from flowdesigner.rogerthat.xml_import import import_xml

FIXTURES = Path(__file__).parent / "fixtures" / "rogerthat"


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data if data is not None else (FIXTURES / name).read_bytes(), "application/xml"
    )


def test_marketer_imports_xml_and_gets_a_draft_flow(api_client, marketer):
    api_client.force_authenticate(marketer)
    response = api_client.post("/api/flows/import/", {"file": upload("event_rsvp.xml")}, format="multipart")
    assert response.status_code == 201, response.content
    flow = Flow.objects.get(pk=response.json()["id"])
    assert flow.name == "Event RSVP"
    assert [n["id"] for n in flow.draft_definition["nodes"]][1:] == [
        "accepted",
        "declined",
        "invite",
        "where",
        "flush",
        "mail",
    ]
    assert response.json()["draft"]["revision"] == 1


def test_invalid_xml_imports_nothing_and_names_the_element(api_client, marketer):
    api_client.force_authenticate(marketer)
    bad = (FIXTURES / "event_rsvp.xml").read_bytes().replace(b'reference="where"', b'reference="nowhere"', 1)
    response = api_client.post("/api/flows/import/", {"file": upload("bad.xml", bad)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == "Nothing was imported: the file has errors."
    assert '<message id="invite">: "yes" refers to unknown id "nowhere"' in response.json()["errors"]
    assert not Flow.objects.exists()


@pytest.mark.parametrize("role", ["staff", "enduser"])
def test_only_marketers_import(api_client, role, db):
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory(roles=[role]))
    response = api_client.post("/api/flows/import/", {"file": upload("event_rsvp.xml")}, format="multipart")
    assert response.status_code == 403
    assert not Flow.objects.exists()


def test_export_downloads_xml_that_imports_to_the_same_flow(api_client, marketer):
    api_client.force_authenticate(marketer)
    created = api_client.post(
        "/api/flows/import/", {"file": upload("support_multilanguage.xml")}, format="multipart"
    )
    response = api_client.get(f"/api/flows/{created.json()['id']}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="support-check-in.xml"'
    again = import_xml(response.content)
    assert again.definition == Flow.objects.get().draft_definition


def test_export_of_an_unknown_version_is_404(api_client, marketer):
    api_client.force_authenticate(marketer)
    created = api_client.post(
        "/api/flows/import/", {"file": upload("single_definition.xml")}, format="multipart"
    )
    assert api_client.get(f"/api/flows/{created.json()['id']}/export/?version=3").status_code == 404


def test_import_and_export_commands(tmp_path, db):
    out = StringIO()
    call_command("import_flow", str(FIXTURES / "event_rsvp.xml"), "--name", "RSVP copy", stdout=out)
    flow = Flow.objects.get(name="RSVP copy")
    assert f"as flow {flow.pk}" in out.getvalue()
    target = tmp_path / "out.xml"
    call_command("export_flow", str(flow.pk), "-o", str(target))
    assert import_xml(target.read_bytes()).definition == flow.draft_definition


def test_import_command_refuses_invalid_files_and_creates_nothing(tmp_path, db):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<messageFlowDefinitionSet")
    with pytest.raises(CommandError, match="Nothing was imported:\n  This is not well-formed XML"):
        call_command("import_flow", str(broken))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_flow", str(tmp_path / "missing.xml"))
    assert not Flow.objects.exists()
