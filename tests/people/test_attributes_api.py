"""Standard and custom attributes through the API: normalisation, uniqueness, typed values,
field-level errors and no partial writes; attribute definitions and companies."""

import pytest

from people import services
from people.attributes import AttributeValueError, normalise_phone
from people.models import AttributeDefinition, AttributeListItem, AttributeValue, Person
from tests.factories import AttributeDefinitionFactory, CompanyFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_marketer(api_client, marketer):
    api_client.force_login(marketer)
    return api_client


@pytest.fixture
def definitions():
    for key, data_type, kind in [
        ("vip", "BOOLEAN", ""),
        ("city", "TEXT", ""),
        ("score", "NUMBER", "decimal"),
        ("visits", "NUMBER", "whole"),
        ("renewal", "DATE", ""),
        ("last_seen", "DATETIME", ""),
        ("interests", "LIST", ""),
    ]:
        AttributeDefinitionFactory(key=key, data_type=data_type, number_kind=kind)


# --- phone numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+32 470 12 34 56", "+32470123456"),
        ("0470/12.34.56", "+32470123456"),  # no +: read in PEOPLE_DEFAULT_REGION (BE)
        ("0032470123456", "+32470123456"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", None),
        (None, None),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, e164):
    assert normalise_phone(raw) == e164


def test_the_default_region_is_a_setting(settings):
    settings.PEOPLE_DEFAULT_REGION = "GB"
    assert normalise_phone("020 7946 0958") == "+442079460958"


@pytest.mark.parametrize("raw", ["12", "+44123", "not a phone", "+32 470 12"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(AttributeValueError):
        normalise_phone(raw)


def test_api_stores_e164_and_spots_the_same_number_written_differently(as_marketer):
    created = as_marketer.post("/api/persons/", {"phone": "0470 12 34 56"}, format="json")
    duplicate = as_marketer.post("/api/persons/", {"phone": "+32 (0)470 123 456"}, format="json")
    invalid = as_marketer.post("/api/persons/", {"phone": "12345"}, format="json")

    assert created.status_code == 201 and created.json()["phone"] == "+32470123456"
    assert duplicate.status_code == 400 and "already has this phone" in duplicate.json()["phone"][0]
    assert invalid.status_code == 400 and "valid phone number" in invalid.json()["phone"][0]
    assert Person.objects.count() == 1


# --- standard fields -------------------------------------------------------------------------


def test_standard_attributes_round_trip(as_marketer):
    acme = CompanyFactory(name="Acme")
    payload = {
        "first_name": "Ada",
        "email": "ADA@example.com",
        "external_id": " crm-1 ",
        "language": "nl",
        "timezone": "Europe/Brussels",
        "opt_in": True,
        "birth_date": "1990-03-10",
        "company": acme.pk,
    }
    created = as_marketer.post("/api/persons/", payload, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in payload} == {
        **payload,
        "email": "ada@example.com",
        "external_id": "crm-1",
    }
    assert body["attributes"] == {}


def test_defaults_of_a_new_person(as_marketer):
    body = as_marketer.post("/api/persons/", {"first_name": "Bo"}, format="json").json()
    assert (body["timezone"], body["opt_in"], body["birth_date"], body["company"]) == (
        "UTC",
        False,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ({"timezone": "utc"}, "timezone", "IANA"),
        ({"birth_date": "10/03/1990"}, "birth_date", "Date has wrong format"),
        ({"company": 999999}, "company", "Invalid pk"),
        ({"opt_in": "maybe"}, "opt_in", "valid boolean"),
    ],
)
def test_invalid_standard_fields(as_marketer, payload, field, message):
    response = as_marketer.post("/api/persons/", payload, format="json")

    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert not Person.objects.exists()


def test_external_id_is_unique(as_marketer):
    PersonFactory(external_id="crm-1")

    response = as_marketer.post("/api/persons/", {"external_id": "crm-1"}, format="json")
    empty = [as_marketer.post("/api/persons/", {"external_id": ""}, format="json") for _ in range(2)]

    assert response.status_code == 400 and "external id" in response.json()["external_id"][0]
    assert [r.status_code for r in empty] == [201, 201]
    assert Person.objects.filter(external_id=None).count() == 2


# --- custom attributes -----------------------------------------------------------------------


def test_custom_attributes_are_typed_and_round_trip(as_marketer, definitions):
    attributes = {
        "vip": True,
        "city": "Brussels",
        "score": "4.25",
        "visits": 12,
        "renewal": "2025-03-10",
        "last_seen": "2025-03-10T09:30:00+01:00",
        "interests": ["Golf", "golf ", "Tennis"],
    }
    created = as_marketer.post(
        "/api/persons/", {"first_name": "Ada", "attributes": attributes}, format="json"
    )

    assert created.status_code == 201, created.content
    expected = {
        "vip": True,
        "city": "Brussels",
        "score": "4.25",  # decimals as strings, like DRF's DecimalField: nothing is rounded
        "visits": 12,
        "renewal": "2025-03-10",
        "last_seen": "2025-03-10T08:30:00Z",  # stored and shown in UTC
        "interests": ["Golf", "Tennis"],  # items that differ only in case are one item
    }
    assert created.json()["attributes"] == expected
    pk = created.json()["id"]
    assert as_marketer.get(f"/api/persons/{pk}/").json()["attributes"] == expected
    listed = as_marketer.get("/api/persons/").json()["results"]
    assert listed[0]["attributes"] == expected
    assert set(AttributeListItem.objects.values_list("value", flat=True)) == {"golf", "tennis"}


def test_patching_attributes_changes_only_the_given_keys_and_null_clears(as_marketer, definitions):
    person = services.person_create(first_name="Ada", attributes={"city": "Brussels", "interests": ["golf"]})

    response = as_marketer.patch(
        f"/api/persons/{person.pk}/", {"attributes": {"score": 7, "interests": None}}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["attributes"] == {"city": "Brussels", "score": "7"}
    assert not AttributeListItem.objects.exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("vip", "yes", "Must be true or false."),
        ("city", 42, "Must be a string."),
        ("score", "abc", "Must be a number."),
        ("score", "1.1234567", "At most 6 digits after the decimal point."),
        ("score", 1e20, "At most 14 digits before the decimal point."),
        ("visits", 2.5, "Must be a whole number."),
        ("visits", True, "Must be a number."),
        ("renewal", "2025-02-30", "Must be a date as YYYY-MM-DD."),
        ("last_seen", "2025-03-10T09:30:00", "Must include a timezone offset (Z or +01:00)."),
        ("last_seen", "yesterday", "Must be a date and time in ISO 8601, e.g. 2025-03-01T09:30:00+01:00."),
        ("interests", "golf", "Must be a list of strings."),
        ("interests", ["golf", 3], "Must be a list of strings."),
        ("nope", 1, "Unknown attribute 'nope'."),
        ("first_name", "Ada", "first_name is a standard attribute; set it as a field of the person."),
    ],
)
def test_bad_attribute_values_are_field_errors_and_nothing_is_written(
    as_marketer, definitions, key, value, message
):
    person = services.person_create(first_name="Ada", attributes={"city": "Antwerp"})

    created = as_marketer.post(
        "/api/persons/", {"first_name": "New", "attributes": {"city": "Ghent", key: value}}, format="json"
    )
    patched = as_marketer.patch(
        f"/api/persons/{person.pk}/",
        {"first_name": "Changed", "attributes": {"city": "Ghent", key: value}},
        format="json",
    )

    for response in (created, patched):
        assert response.status_code == 400
        assert response.json() == {"attributes": {key: [message]}}
    assert list(Person.objects.values_list("first_name", flat=True)) == ["Ada"]
    assert AttributeValue.objects.get().value_text == "Antwerp"


def test_service_reports_every_bad_key(definitions):
    person = PersonFactory()
    with pytest.raises(services.AttributesInvalid) as caught:
        services.person_set_attributes(person=person, values={"vip": 1, "score": "x", "city": "ok"})
    assert set(caught.value.errors) == {"vip", "score"}
    assert not AttributeValue.objects.exists()


def test_attributes_must_be_an_object(as_marketer):
    response = as_marketer.post("/api/persons/", {"attributes": ["x"]}, format="json")
    assert response.status_code == 400
    assert "attributes" in response.json()


def test_deleting_a_person_deletes_their_values(definitions):
    person = services.person_create(first_name="Ada", attributes={"city": "Ghent", "interests": ["a"]})
    person.delete()
    assert not AttributeValue.objects.exists() and not AttributeListItem.objects.exists()


# --- attribute definitions -------------------------------------------------------------------


def test_marketers_manage_definitions_staff_only_read(api_client, marketer, staff):
    api_client.force_login(marketer)
    created = api_client.post(
        "/api/attributes/", {"key": "score", "label": "Score", "data_type": "NUMBER"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["number_kind"] == "decimal"
    pk = created.json()["id"]
    assert api_client.patch(f"/api/attributes/{pk}/", {"label": "Points"}, format="json").status_code == 200

    api_client.force_login(staff)
    assert api_client.get("/api/attributes/").json()["results"][0]["label"] == "Points"
    refused = api_client.post(
        "/api/attributes/", {"key": "x", "label": "X", "data_type": "TEXT"}, format="json"
    )
    assert refused.status_code == 403
    assert api_client.delete(f"/api/attributes/{pk}/").status_code == 403

    api_client.force_login(UserFactory(roles=["enduser"]))
    assert api_client.get("/api/attributes/").status_code == 403


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"key": "email", "label": "E", "data_type": "TEXT"}, "key"),
        ({"key": "company", "label": "C", "data_type": "TEXT"}, "key"),
        ({"key": "Not a slug", "label": "X", "data_type": "TEXT"}, "key"),
        ({"key": "x", "label": "X", "data_type": "COLOUR"}, "data_type"),
        ({"key": "x", "label": "X", "data_type": "TEXT", "number_kind": "whole"}, "number_kind"),
        ({"key": "x", "label": "X", "data_type": "NUMBER", "number_kind": "fraction"}, "number_kind"),
    ],
)
def test_invalid_definitions(as_marketer, payload, field):
    response = as_marketer.post("/api/attributes/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not AttributeDefinition.objects.exists()


def test_definition_key_is_unique_and_its_type_is_fixed(as_marketer):
    definition = AttributeDefinitionFactory(key="city")

    duplicate = as_marketer.post(
        "/api/attributes/", {"key": "city", "label": "C", "data_type": "TEXT"}, format="json"
    )
    retyped = as_marketer.patch(f"/api/attributes/{definition.pk}/", {"data_type": "NUMBER"}, format="json")
    rekeyed = as_marketer.patch(f"/api/attributes/{definition.pk}/", {"key": "town"}, format="json")

    assert duplicate.status_code == 400 and "key" in duplicate.json()
    assert retyped.status_code == 400 and "Cannot be changed" in retyped.json()["data_type"][0]
    assert rekeyed.status_code == 400 and "key" in rekeyed.json()


def test_a_definition_used_by_a_segment_cannot_be_deleted(as_marketer):
    used, unused = AttributeDefinitionFactory(key="city"), AttributeDefinitionFactory(key="zip")
    services.segment_create(
        name="Brussels",
        rules={"op": "and", "rules": [{"attribute": "city", "operator": "is", "value": "Brussels"}]},
    )

    refused = as_marketer.delete(f"/api/attributes/{used.pk}/")
    deleted = as_marketer.delete(f"/api/attributes/{unused.pk}/")

    assert refused.status_code == 409 and "Brussels" in refused.json()["detail"]
    assert deleted.status_code == 204
    assert list(AttributeDefinition.objects.values_list("key", flat=True)) == ["city"]


# --- companies -------------------------------------------------------------------------------


def test_company_crud_and_person_membership(as_marketer):
    created = as_marketer.post("/api/companies/", {"name": "Acme", "domain": "acme.example"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    duplicate = as_marketer.post("/api/companies/", {"name": "Acme"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()

    person = PersonFactory()
    assert as_marketer.patch(f"/api/persons/{person.pk}/", {"company": pk}, format="json").status_code == 200
    listed = as_marketer.get("/api/companies/").json()["results"]
    assert [(c["name"], c["person_count"]) for c in listed] == [("Acme", 1)]
    assert [p["id"] for p in as_marketer.get(f"/api/persons/?company={pk}").json()["results"]] == [person.pk]

    assert (
        as_marketer.patch(f"/api/companies/{pk}/", {"notes": "Key account"}, format="json").status_code == 200
    )
    assert as_marketer.delete(f"/api/companies/{pk}/").status_code == 204
    person.refresh_from_db()
    assert person.company is None  # the person stays, without company
