"""People pages: create, edit and delete persons with the form (field errors, no partial writes);
bulk tags on ticked rows or a whole filter, through the page and the API; the segment pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people import services
from people.models import AttributeValue, Person, PersonChange
from tests.factories import (
    AttributeDefinitionFactory,
    CompanyFactory,
    PersonFactory,
    SegmentFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_marketer(client, marketer):
    client.force_login(marketer)
    return client


def form_data(**over):
    data = {
        "first_name": "Ann",
        "last_name": "Lee",
        "email": " Ann@Example.COM ",
        "phone": "+32 470 12 34 56",
        "external_id": "",
        "language": "en",
        "timezone": "Europe/Brussels",
        "birth_date": "1990-05-17",
        "company": "",
    }
    data.update(over)
    return data


# --- create / edit / delete -------------------------------------------------------------------


def test_a_marketer_creates_a_person_with_custom_attributes_tags_and_company(as_marketer):
    AttributeDefinitionFactory(key="score", label="Score", data_type="NUMBER", number_kind="whole")
    AttributeDefinitionFactory(key="interests", label="Interests", data_type="LIST")
    AttributeDefinitionFactory(key="vip", label="VIP", data_type="BOOLEAN")
    AttributeDefinitionFactory(key="seen", label="Seen", data_type="DATETIME")
    tag, company = TagFactory(name="golfers"), CompanyFactory(name="Acme")

    response = as_marketer.post(
        "/people/new/",
        form_data(
            company=company.pk,
            tags=[tag.pk],
            opt_in="on",
            attr_score="42",
            attr_interests="Golf\ntennis\n",
            attr_vip="true",
            attr_seen="2025-03-10T09:30",
        ),
    )

    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/{person.pk}/"
    assert (person.email, person.phone, person.opt_in, person.company) == (
        "ann@example.com",
        "+32470123456",
        True,
        company,
    )
    assert list(person.tags.all()) == [tag]
    from people.selectors import person_attributes

    assert person_attributes(person) == {
        "interests": ["Golf", "tennis"],
        "score": 42,
        "seen": "2025-03-10T08:30:00Z",  # 09:30 in the person's zone (Brussels, UTC+1)
        "vip": True,
    }


def test_field_errors_are_shown_and_nothing_is_written(as_marketer):
    AttributeDefinitionFactory(key="score", label="Score", data_type="NUMBER", number_kind="whole")
    PersonFactory(email="taken@example.com")

    response = as_marketer.post(
        "/people/new/",
        form_data(email="TAKEN@example.com", phone="12", timezone="Mars/Base", attr_score="4.5"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["email"] == ["Another person already has this email address."]
    assert "valid phone number" in errors["phone"][0]
    assert "not a known IANA timezone" in errors["timezone"][0]
    assert errors["attr_score"] == ["Must be a whole number."]
    assert b'data-testid="error-attr_score"' in response.content
    assert Person.objects.count() == 1


def test_a_bad_custom_value_on_edit_leaves_the_standard_fields_unchanged(as_marketer):
    AttributeDefinitionFactory(key="renewal", label="Renewal", data_type="DATE")
    person = PersonFactory(first_name="Old")

    response = as_marketer.post(
        f"/people/{person.pk}/edit/", form_data(first_name="New", attr_renewal="31/12")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["attr_renewal"] == ["Must be a date as YYYY-MM-DD."]
    person.refresh_from_db()
    assert person.first_name == "Old"


def test_editing_shows_current_values_and_clears_an_emptied_attribute(as_marketer):
    AttributeDefinitionFactory(key="city", label="City", data_type="TEXT")
    AttributeDefinitionFactory(key="vip", label="VIP", data_type="BOOLEAN")
    person = PersonFactory(first_name="Ann", email="ann@example.com")
    services.person_set_attributes(person=person, values={"city": "Ghent", "vip": False})

    page = as_marketer.get(f"/people/{person.pk}/edit/")
    assert page.context["form"]["attr_city"].value() == "Ghent"
    assert page.context["form"]["attr_vip"].value() == "false"

    response = as_marketer.post(
        f"/people/{person.pk}/edit/",
        form_data(email="ann@example.com", phone="", attr_city="", attr_vip="true"),
    )
    assert response.status_code == 302
    values = {v.definition.key: v for v in AttributeValue.objects.filter(person=person)}
    assert set(values) == {"vip"} and values["vip"].value_bool is True


def test_delete_asks_first_then_deletes(as_marketer):
    person = PersonFactory()
    assert as_marketer.get(f"/people/{person.pk}/delete/").status_code == 200
    assert Person.objects.filter(pk=person.pk).exists()
    response = as_marketer.post(f"/people/{person.pk}/delete/")
    assert response.status_code == 302 and not Person.objects.filter(pk=person.pk).exists()


def test_list_and_detail_link_to_the_new_pages(as_marketer):
    person = PersonFactory()
    assert b'href="/people/new/"' in as_marketer.get("/people/").content
    detail = as_marketer.get(f"/people/{person.pk}/").content
    assert f'href="/people/{person.pk}/edit/"'.encode() in detail
    assert f'href="/people/{person.pk}/delete/"'.encode() in detail


def test_end_users_cannot_edit_persons(client, enduser):
    client.force_login(enduser)
    assert client.get("/people/new/").status_code == 403
    assert client.post(f"/people/{Person.objects.get().pk}/delete/").status_code == 403


# --- bulk tags --------------------------------------------------------------------------------


def test_bulk_add_on_a_filter_is_one_statement_and_counts_only_changes():
    vip, golf = TagFactory(name="vip"), TagFactory(name="golf")
    acme = CompanyFactory()
    at_acme = [PersonFactory(company=acme) for _ in range(5)]
    PersonFactory()  # elsewhere
    at_acme[0].tags.add(vip)  # already has it
    at_acme[1].tags.add(golf)

    with CaptureQueriesContext(connection) as queries:
        changed = services.persons_tag_bulk(tag=vip, add=True, filter={"company": str(acme.pk)})

    assert changed == 4
    tag_table = Person.tags.through._meta.db_table
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "DELETE", "UPDATE")) and tag_table in q["sql"].split("SELECT")[0]
    ]
    assert len(writes) == 1 and writes[0].startswith("INSERT") and " SELECT " in writes[0]
    assert set(vip.persons.all()) == set(at_acme)
    # every person actually tagged gets one change event (timeline, triggers); the one who had it, none
    logged = PersonChange.objects.filter(kind=PersonChange.Kind.TAG_ADDED, key="vip")
    assert sorted(logged.values_list("person_id", flat=True)) == sorted(p.pk for p in at_acme[1:])
    assert services.persons_tag_bulk(tag=vip, add=True, filter={"company": str(acme.pk)}) == 0

    assert services.persons_tag_bulk(tag=vip, add=False, person_ids=[at_acme[0].pk, at_acme[1].pk]) == 2
    removed = PersonChange.objects.filter(kind=PersonChange.Kind.TAG_REMOVED, key="vip").values_list(
        "person_id", flat=True
    )
    assert sorted(removed) == sorted([at_acme[0].pk, at_acme[1].pk])
    assert set(vip.persons.all()) == set(at_acme[2:])
    assert list(golf.persons.all()) == [at_acme[1]]  # other tags untouched


def test_bulk_tag_by_search_and_segment_filters():
    vip = TagFactory()
    ann, anna, bob = (
        PersonFactory(first_name="Ann"),
        PersonFactory(first_name="Anna"),
        PersonFactory(first_name="Bob"),
    )
    segment = SegmentFactory(
        rules={"op": "and", "rules": [{"attribute": "first_name", "operator": "is", "value": "bob"}]}
    )
    assert services.persons_tag_bulk(tag=vip, add=True, filter={"search": "ann"}) == 2
    assert services.persons_tag_bulk(tag=vip, add=True, filter={"segment": str(segment.pk)}) == 1
    assert set(vip.persons.all()) == {ann, anna, bob}
    with pytest.raises(ValueError):
        services.persons_tag_bulk(tag=vip, add=True)


def test_bulk_tag_api(api_client, marketer):
    api_client.force_login(marketer)
    vip = TagFactory()
    a, b, c = PersonFactory(first_name="Ann"), PersonFactory(first_name="Bea"), PersonFactory(first_name="Cy")

    response = api_client.post(
        "/api/persons/bulk-tag/", {"tag": vip.pk, "action": "add", "ids": [a.pk, b.pk]}, format="json"
    )
    assert response.status_code == 200 and response.json() == {"changed": 2}
    response = api_client.post(
        "/api/persons/bulk-tag/",
        {"tag": vip.pk, "action": "remove", "filter": {"search": "bea"}},
        format="json",
    )
    assert response.json() == {"changed": 1}
    assert list(vip.persons.all()) == [a]

    both = api_client.post(
        "/api/persons/bulk-tag/", {"tag": vip.pk, "action": "add", "ids": [c.pk], "filter": {}}, format="json"
    )
    assert both.status_code == 400
    bad = api_client.post("/api/persons/bulk-tag/", {"tag": 999, "action": "swap", "ids": [1]}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"tag", "action"}


def test_bulk_tag_from_the_people_page(as_marketer):
    vip = TagFactory(name="vip")
    acme = CompanyFactory()
    a, b = PersonFactory(company=acme), PersonFactory(company=acme)
    other = PersonFactory()

    response = as_marketer.post(
        "/people/bulk-tag/",
        {
            "tag": vip.pk,
            "action": "add",
            "scope": "all",
            "q": "",
            "filter_tag": "",
            "filter_company": acme.pk,
            "next": f"/people/?company={acme.pk}",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/people/?company={acme.pk}"
    assert "Tag vip added to 2 people." in response.content.decode()
    assert set(vip.persons.all()) == {a, b}

    as_marketer.post(
        "/people/bulk-tag/", {"tag": vip.pk, "action": "remove", "scope": "selected", "ids": [a.pk]}
    )
    assert set(vip.persons.all()) == {b}
    refused = as_marketer.post(
        "/people/bulk-tag/", {"tag": vip.pk, "action": "add", "scope": "selected"}, follow=True
    )
    assert "Tick at least one person" in refused.content.decode()
    assert other not in vip.persons.all()


def test_persons_api_filters_by_ids(api_client, marketer):
    api_client.force_login(marketer)
    a, _, c = PersonFactory(), PersonFactory(), PersonFactory()
    response = api_client.get(f"/api/persons/?ids={c.pk},{a.pk}")
    assert [p["id"] for p in response.json()["results"]] == [a.pk, c.pk]
    assert api_client.get("/api/persons/?ids=1,x").status_code == 400


# --- segment pages ----------------------------------------------------------------------------


def test_segment_list_shows_counts_and_marketers_get_the_builder(as_marketer):
    PersonFactory(first_name="Ann"), PersonFactory(first_name="Bob")
    segment = SegmentFactory(
        name="Anns",
        rules={"op": "and", "rules": [{"attribute": "first_name", "operator": "is", "value": "ann"}]},
    )
    page = as_marketer.get("/segments/").content.decode()
    assert f'data-testid="segment-count-{segment.pk}">1<' in page
    assert 'href="/segments/new/"' in page

    builder = as_marketer.get(f"/segments/{segment.pk}/")
    config = builder.context["segment_config"]
    assert config["segmentId"] == segment.pk and config["canEdit"] is True
    assert config["editUrlTemplate"] == "/segments/{id}/"
    assert "dist/segments.js" in builder.content.decode()
    assert as_marketer.get("/segments/new/").context["segment_config"]["rules"] == {"op": "and", "rules": []}


def test_staff_view_segments_read_only_and_cannot_create(client, staff):
    segment = SegmentFactory()
    client.force_login(staff)
    assert 'href="/segments/new/"' not in client.get("/segments/").content.decode()
    assert client.get(f"/segments/{segment.pk}/").context["segment_config"]["canEdit"] is False
    assert client.get("/segments/new/").status_code == 403


def test_end_users_see_no_segments(client):
    client.force_login(UserFactory(roles=["enduser"]))
    assert client.get("/segments/").status_code == 403
