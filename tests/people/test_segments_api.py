"""Segments through the API: CRUD with rule validation, count, preview, the operator table,
cycles and deletion; the People pages' filters and the person detail page."""

import pytest

from people import services
from people.models import Segment
from people.selectors import segment_persons
from tests.factories import AttributeDefinitionFactory, CompanyFactory, PersonFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def as_marketer(api_client, marketer):
    api_client.force_login(marketer)
    return api_client


@pytest.fixture
def vips():
    tag = TagFactory(name="vip")
    people = [PersonFactory(first_name=f"V{i}", tags=[tag]) for i in range(25)]
    PersonFactory(first_name="Outsider")
    return tag, people


def _has(tag) -> dict:
    return {"op": "and", "rules": [{"tag": tag.pk, "operator": "has"}]}


def test_segment_crud_and_count(as_marketer, marketer, vips):
    tag, people = vips
    created = as_marketer.post("/api/segments/", {"name": "VIPs", "rules": _has(tag)}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["rules"], body["created_by"]) == ("VIPs", _has(tag), "mia")

    pk = body["id"]
    assert as_marketer.get(f"/api/segments/{pk}/count/").json() == {"count": 25}
    everyone = {
        "op": "or",
        "rules": [{"tag": tag.pk, "operator": "has"}, {"tag": tag.pk, "operator": "has_not"}],
    }
    assert as_marketer.patch(f"/api/segments/{pk}/", {"rules": everyone}, format="json").status_code == 200
    assert as_marketer.get(f"/api/segments/{pk}/count/").json() == {"count": 26}
    assert [s["name"] for s in as_marketer.get("/api/segments/").json()["results"]] == ["VIPs"]
    assert as_marketer.delete(f"/api/segments/{pk}/").status_code == 204
    assert not Segment.objects.exists()


def test_invalid_rules_are_400_with_paths(as_marketer):
    AttributeDefinitionFactory(key="city")
    response = as_marketer.post(
        "/api/segments/",
        {
            "name": "Bad",
            "rules": {
                "op": "and",
                "rules": [
                    {"attribute": "city", "operator": "gt", "value": 3},
                    {"attribute": "ghost", "operator": "is", "value": "x"},
                ],
            },
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "rules": [
            {
                "path": "rules[0].operator",
                "message": "Operator not allowed 'gt' for TEXT attributes; use one of: is, is_not, contains, "
                "not_contains, starts_with, ends_with, is_empty, is_not_empty.",
            },
            {"path": "rules[1].attribute", "message": "Unknown attribute 'ghost'."},
        ]
    }
    assert not Segment.objects.exists()


def test_preview_counts_and_samples_unsaved_rules(api_client, staff, vips):
    tag, people = vips
    api_client.force_login(staff)  # staff may preview (it writes nothing)

    response = api_client.post("/api/segments/preview/", {"rules": _has(tag)}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["count"] == 25
    sample = response.json()["sample"]
    assert [p["id"] for p in sample] == [p.pk for p in people[:20]]
    assert set(sample[0]) == {"id", "first_name", "last_name", "email", "phone"}
    assert not Segment.objects.exists()


def test_preview_of_invalid_rules(as_marketer):
    response = as_marketer.post(
        "/api/segments/preview/", {"rules": {"op": "nand", "rules": []}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["rules"][0]["path"] == "op"


def test_updating_a_segment_into_a_cycle_is_refused(as_marketer):
    a = services.segment_create(name="A", rules={"op": "and", "rules": []})
    b = services.segment_create(name="B", rules={"op": "and", "rules": [{"segment": a.pk, "operator": "in"}]})

    response = as_marketer.patch(
        f"/api/segments/{a.pk}/",
        {"rules": {"op": "and", "rules": [{"segment": b.pk, "operator": "not_in"}]}},
        format="json",
    )
    deleting_a = as_marketer.delete(f"/api/segments/{a.pk}/")

    assert response.status_code == 400
    assert response.json()["rules"][0]["path"] == "rules[0].segment"
    assert "cycle" in response.json()["rules"][0]["message"]
    assert deleting_a.status_code == 409 and "B" in deleting_a.json()["detail"]
    assert as_marketer.delete(f"/api/segments/{b.pk}/").status_code == 204
    assert as_marketer.delete(f"/api/segments/{a.pk}/").status_code == 204


def test_staff_read_segments_marketers_write(api_client, staff, vips):
    segment = services.segment_create(name="VIPs", rules=_has(vips[0]))
    api_client.force_login(staff)

    assert api_client.get("/api/segments/").status_code == 200
    assert api_client.get(f"/api/segments/{segment.pk}/count/").json() == {"count": 25}
    assert (
        api_client.post("/api/segments/", {"name": "X", "rules": _has(vips[0])}, format="json").status_code
        == 403
    )
    assert api_client.delete(f"/api/segments/{segment.pk}/").status_code == 403

    api_client.force_login(UserFactory(roles=["enduser"]))
    assert api_client.get("/api/segments/").status_code == 403
    assert (
        api_client.post("/api/segments/preview/", {"rules": _has(vips[0])}, format="json").status_code == 403
    )
    assert api_client.get("/api/segments/operators/").status_code == 403


def test_operator_table_for_the_rule_builder(as_marketer):
    AttributeDefinitionFactory(key="score", label="Score", data_type="NUMBER", number_kind="whole")

    body = as_marketer.get("/api/segments/operators/").json()

    assert set(body["data_types"]) == {"BOOLEAN", "TEXT", "NUMBER", "DATE", "DATETIME", "LIST"}
    assert body["data_types"]["BOOLEAN"] == [
        {"name": "is", "label": "is", "value": "value"},
        {"name": "is_not", "label": "is not", "value": "value"},
        {"name": "is_empty", "label": "is empty", "value": "none"},
    ]
    was_more_than = {"name": "was_more_than", "label": "was more than", "value": "duration"}
    assert was_more_than in body["data_types"]["DATE"]
    assert [op["name"] for op in body["subjects"]["company"]] == ["in", "not_in"]
    keys = [(a["key"], a["data_type"], a["standard"]) for a in body["attributes"]]
    assert ("birth_date", "DATE", True) in keys and keys[-1] == ("score", "NUMBER", False)


def test_segment_persons_is_a_lazy_ordered_queryset(vips):
    tag, people = vips
    segment = services.segment_create(name="VIPs", rules=_has(tag))
    assert list(segment_persons(segment).values_list("pk", flat=True)) == [p.pk for p in people]


def test_persons_api_filters_by_segment(as_marketer, vips):
    segment = services.segment_create(name="VIPs", rules=_has(vips[0]))
    assert as_marketer.get(f"/api/persons/?segment={segment.pk}&page_size=100").json()["count"] == 25
    assert as_marketer.get("/api/persons/?segment=999999").json()["count"] == 0


def test_schema_documents_the_people_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/segments/preview/",
        "/api/segments/{id}/count/",
        "/api/attributes/",
        "/api/companies/",
    ):
        assert path in schema


# --- pages -----------------------------------------------------------------------------------


def test_people_page_filters_by_company_and_tag(client, staff):
    acme, vip = CompanyFactory(name="Acme"), TagFactory(name="vip")
    PersonFactory(first_name="Ada", company=acme, tags=[vip])
    PersonFactory(first_name="Bob", company=acme)
    PersonFactory(first_name="Cy", tags=[vip])
    client.force_login(staff)

    def names(query: dict) -> list[str]:
        page = client.get("/people/", query)
        assert page.status_code == 200
        return [p.first_name for p in page.context["page"]]

    assert names({"company": acme.pk}) == ["Ada", "Bob"]
    assert names({"company": acme.pk, "tag": vip.pk}) == ["Ada"]
    assert names({"company": "none"}) == ["Cy"]
    assert names({"company": "x"}) == []


def test_person_detail_page_shows_and_escapes_everything(client, marketer):
    AttributeDefinitionFactory(key="motto", label=HOSTILE, data_type="TEXT")
    AttributeDefinitionFactory(key="interests", label="Interests", data_type="LIST")
    person = services.person_create(
        first_name=HOSTILE,
        phone="0470123456",
        company=CompanyFactory(name=HOSTILE),
        tags=[TagFactory(name=HOSTILE)],
        attributes={"motto": HOSTILE, "interests": [HOSTILE, "golf"]},
    )
    client.force_login(marketer)

    html = client.get(f"/people/{person.pk}/").content.decode()

    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert "+32470123456" in html and "golf" in html and "UTC" in html
    assert client.get("/people/999999/").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("enduser", 403), ("staff", 200), ("marketer", 200)])
def test_person_detail_page_roles(client, role, status):
    person = PersonFactory()
    client.force_login(UserFactory(roles=[role]))
    assert client.get(f"/people/{person.pk}/").status_code == status
