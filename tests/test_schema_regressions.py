"""What the schema fuzzer (tests/test_schema_fuzz.py) and the review of issue 13 found: answers that
disagreed with the OpenAPI schema, and 500s. Each test failed before its fix."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from engine import services as engine_services
from engine.pokes import poke_create
from people.models import EventDefinition
from tests.factories import PersonFactory, SegmentFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    """The OpenAPI document as the app serves it."""
    return client.get("/api/schema/?format=json").json()


def response_schema(schema: dict, path: str, method: str, status: int) -> dict:
    return schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


def as_(role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(roles=[role]))
    return client


# --- the schema says what the views answer ---------------------------------------------------------------


def test_inbox_lists_are_documented_as_arrays(
    schema, api_client, enduser, published_flow, django_capture_on_commit_callbacks
):
    flow, version, _ = published_flow(persons=[enduser.person])
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience=None)
    poke_create(flow=flow, tag="start", label="Start")
    api_client.force_authenticate(enduser)

    for path in ("/api/inbox/messages/", "/api/inbox/pokes/"):
        answer = api_client.get(path)
        assert answer.status_code == 200
        assert isinstance(answer.json(), list) and answer.json()
        documented = response_schema(schema, path, "get", 200)
        assert documented["type"] == "array"


def test_every_api_operation_documents_its_refusals(schema):
    for path, item in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            documented = set(operation["responses"])
            assert {"401", "403", "429"} <= documented, (method, path)
            if "{" in path:
                assert "404" in documented, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= documented, (method, path)


def test_error_answers_have_the_documented_shapes(schema):
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    assert response_schema(schema, "/api/tags/{id}/", "delete", 409) == {"$ref": "#/components/schemas/Error"}
    assert "400" in schema["paths"]["/api/flows/{id}/export/"]["get"]["responses"]
    assert "409" in schema["paths"]["/api/flows/{id}/publish/"]["post"]["responses"]
    assert "400" in schema["paths"]["/api/persons/"]["get"]["responses"]


def test_a_segment_whose_author_is_gone_is_listed_with_a_null_author(schema):
    SegmentFactory(created_by=None)

    answer = as_("marketer").get("/api/segments/")

    assert answer.status_code == 200
    assert answer.json()["results"][0]["created_by"] is None
    assert schema["components"]["schemas"]["Segment"]["properties"]["created_by"]["nullable"] is True


# --- errors in the documented shapes ---------------------------------------------------------------------


def test_an_import_without_a_file_answers_detail_and_errors():
    answer = as_("marketer").post("/api/flows/import/", {"name": "No file"}, format="multipart")

    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "Nothing was imported: the request is incomplete.",
        "errors": ["file: No file was submitted."],
    }


@pytest.mark.parametrize("path", ["/api/tags/", "/api/companies/", "/api/persons/", "/api/persons/export/"])
def test_a_search_with_a_nul_character_is_a_field_error(path):
    # Tags and companies answered DRF's bare list ["Null characters are not allowed."]; persons (and their
    # CSV export) a 500 on PostgreSQL, which refuses NUL in text.
    PersonFactory()

    answer = as_("marketer").get(path, {"search": "ann\x00"})

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"search": ["Null characters are not allowed."]}


def test_a_branding_key_with_a_nul_character_is_not_found():
    # The key reached the database: a 500 on PostgreSQL.
    answer = as_("marketer").get("/api/brandings/summer%00/")

    assert answer.status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/imports/999/rejected.csv", "/api/persons/export/?search=%00"], ids=["404", "400"]
)
def test_a_refused_csv_download_answers_json_even_when_csv_was_asked_for(path):
    answer = as_("marketer").get(path, HTTP_ACCEPT="text/csv")

    assert answer.status_code in (400, 404)
    assert answer["Content-Type"] == "application/json"
    assert "detail" in answer.json() or "search" in answer.json()


def test_a_refused_csv_download_for_a_wrong_role_is_json():
    answer = as_("enduser").get("/api/persons/export/", HTTP_ACCEPT="text/csv")

    assert answer.status_code == 403
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["detail"] == "This needs the role marketer or staff."


# --- 500s --------------------------------------------------------------------------------------------


def test_patching_an_event_definition_with_an_incomplete_property_is_a_field_error():
    # A PATCH validated the nested properties partially: an item without "key" reached the service (KeyError).
    definition = EventDefinition.objects.create(
        key="purchase", label="Purchase", properties=[{"key": "total", "label": "", "data_type": "NUMBER"}]
    )

    answer = as_("marketer").patch(
        f"/api/event-definitions/{definition.pk}/", {"properties": [{"label": "Total"}]}, format="json"
    )

    assert answer.status_code == 400
    # DRF keys the errors of a list's items by their index.
    assert answer.json() == {
        "properties": {"0": {"key": ["This field is required."], "data_type": ["This field is required."]}}
    }
    definition.refresh_from_db()
    assert definition.properties == [{"key": "total", "label": "", "data_type": "NUMBER"}]


def test_patching_an_event_definition_with_whole_properties_still_works():
    definition = EventDefinition.objects.create(
        key="purchase", label="Purchase", properties=[{"key": "total", "label": "", "data_type": "NUMBER"}]
    )
    properties = [
        {"key": "total", "data_type": "NUMBER"},
        {"key": "city", "label": "City", "data_type": "TEXT"},
    ]

    answer = as_("marketer").patch(
        f"/api/event-definitions/{definition.pk}/", {"properties": properties}, format="json"
    )

    assert answer.status_code == 200
    assert [p["key"] for p in answer.json()["properties"]] == ["total", "city"]


def test_an_import_upload_answers_its_preview_as_documented(schema, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("people.csv", b"first_name,email\nAnn,ann@example.com\n", "text/csv")

    answer = as_("marketer").post("/api/imports/", {"file": upload}, format="multipart")

    assert answer.status_code == 201
    assert answer.json()["preview"]["columns"] == ["first_name", "email"]
    documented = response_schema(schema, "/api/imports/", "post", 201)
    component = schema["components"]["schemas"][documented["$ref"].rsplit("/", 1)[1]]
    assert "preview" in component["properties"]


def test_a_tag_in_use_by_a_segment_is_a_documented_conflict(schema):
    tag = TagFactory()
    SegmentFactory(rules={"op": "and", "rules": [{"tag": tag.pk, "operator": "has"}]})

    answer = as_("marketer").delete(f"/api/tags/{tag.pk}/")

    assert answer.status_code == 409
    assert "detail" in answer.json()
    assert "409" in schema["paths"]["/api/tags/{id}/"]["delete"]["responses"]


@pytest.mark.parametrize(
    "attributes",
    [{"sc\x00re": 1}, {"score": "a\x00b"}, {"tags": ["x", {"y": "\x00"}]}],
    ids=["key", "value", "deep"],
)
def test_person_attributes_with_a_nul_character_are_a_field_error(attributes):
    # The key reached the database (a lookup of the attribute definition): a 500 on PostgreSQL.
    answer = as_("marketer").post(
        "/api/persons/", {"first_name": "Ann", "attributes": attributes}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json() == {"attributes": ["Null characters are not allowed."]}


@pytest.mark.django_db
def test_a_url_no_route_matches_is_a_json_404_under_the_api_and_a_page_elsewhere(client):
    response = client.get("/api/flows/abc/")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
    assert b"There is no such page." in page.content
