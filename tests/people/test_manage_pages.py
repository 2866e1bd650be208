"""Pages that manage companies, tags, custom attribute definitions and event definitions: marketers
edit, staff read, end users are refused; field errors, refusals (a segment uses it) and escaping."""

import pytest

from people.models import AttributeDefinition, Company, EventDefinition, Tag
from tests.factories import (
    AttributeDefinitionFactory,
    CompanyFactory,
    PersonFactory,
    SegmentFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
LISTS = ["/people/companies/", "/people/tags/", "/people/attributes/", "/people/events/"]


@pytest.fixture
def as_marketer(client, marketer):
    client.force_login(marketer)
    return client


def event_data(**over):
    data = {
        "key": "purchase",
        "label": "Purchase",
        "description": "",
        "prop-TOTAL_FORMS": "3",
        "prop-INITIAL_FORMS": "0",
        "prop-MIN_NUM_FORMS": "0",
        "prop-MAX_NUM_FORMS": "1000",
        "prop-0-key": "total",
        "prop-0-label": "Total",
        "prop-0-data_type": "NUMBER",
    }
    data.update(over)
    return data


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
def test_staff_read_the_lists_without_edit_links_and_cannot_write(client, staff, url):
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert b"/new/" not in response.content
    assert client.get(url + "new/").status_code == 403
    assert client.post(url + "new/", {"name": "x", "key": "x", "label": "x"}).status_code == 403


def test_staff_cannot_edit_or_delete(client, staff):
    company = CompanyFactory()
    client.force_login(staff)
    assert client.post(f"/people/companies/{company.pk}/edit/", {"name": "New"}).status_code == 403
    assert client.post(f"/people/companies/{company.pk}/delete/").status_code == 403
    assert Company.objects.get().name == company.name


@pytest.mark.parametrize("url", LISTS)
def test_end_users_are_refused(client, enduser, url):
    client.force_login(enduser)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", LISTS)
def test_marketers_see_the_lists_with_new_links(as_marketer, url):
    response = as_marketer.get(url)
    assert response.status_code == 200 and f'href="{url}new/"'.encode() in response.content


def test_the_people_list_links_to_the_pages(as_marketer):
    content = as_marketer.get("/people/").content.decode()
    for url in LISTS:
        assert f'href="{url}"' in content


# --- companies ------------------------------------------------------------------------------


def test_companies_list_counts_create_rename_delete(as_marketer):
    acme = CompanyFactory(name="Acme")
    PersonFactory(company=acme), PersonFactory(company=acme)
    response = as_marketer.get("/people/companies/")
    assert response.context["objects"][0].person_count == 2

    response = as_marketer.post("/people/companies/new/", {"name": "Globex", "domain": "globex.test"})
    assert response.status_code == 302 and response["Location"] == "/people/companies/"
    globex = Company.objects.get(name="Globex")

    as_marketer.post(f"/people/companies/{globex.pk}/edit/", {"name": "Globex Corp", "domain": ""})
    globex.refresh_from_db()
    assert globex.name == "Globex Corp"

    assert as_marketer.get(f"/people/companies/{acme.pk}/delete/").status_code == 200
    as_marketer.post(f"/people/companies/{acme.pk}/delete/")
    assert not Company.objects.filter(pk=acme.pk).exists()


def test_a_duplicate_company_name_is_a_field_error(as_marketer):
    CompanyFactory(name="Acme")
    response = as_marketer.post("/people/companies/new/", {"name": "Acme"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert b'data-testid="error-name"' in response.content
    assert Company.objects.count() == 1


# --- tags -----------------------------------------------------------------------------------


def test_tags_list_counts_create_rename_delete(as_marketer):
    golf = TagFactory(name="golf")
    PersonFactory().tags.add(golf)
    assert as_marketer.get("/people/tags/").context["objects"][0].person_count == 1

    assert as_marketer.post("/people/tags/new/", {"name": "tennis"}).status_code == 302
    tennis = Tag.objects.get(name="tennis")
    as_marketer.post(f"/people/tags/{tennis.pk}/edit/", {"name": "padel"})
    tennis.refresh_from_db()
    assert tennis.name == "padel"
    as_marketer.post(f"/people/tags/{golf.pk}/delete/")
    assert list(Tag.objects.values_list("name", flat=True)) == ["padel"]


def test_an_empty_tag_name_is_a_field_error(as_marketer):
    response = as_marketer.post("/people/tags/new/", {"name": ""})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert not Tag.objects.exists()


# --- attribute definitions ------------------------------------------------------------------


def test_attribute_create_edit_label_keeps_key_and_type(as_marketer):
    response = as_marketer.post(
        "/people/attributes/new/",
        {"key": "score", "label": "Score", "data_type": "NUMBER", "number_kind": ""},
    )
    assert response.status_code == 302
    score = AttributeDefinition.objects.get()
    assert (score.data_type, score.number_kind) == ("NUMBER", "decimal")

    as_marketer.post(
        f"/people/attributes/{score.pk}/edit/",
        {"key": "hacked", "label": "Lead score", "data_type": "TEXT", "number_kind": ""},
    )
    score.refresh_from_db()
    assert (score.key, score.label, score.data_type, score.number_kind) == (
        "score",
        "Lead score",
        "NUMBER",
        "decimal",
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"key": "email", "label": "E", "data_type": "TEXT", "number_kind": ""}, "key"),
        ({"key": "flag", "label": "F", "data_type": "BOOLEAN", "number_kind": "whole"}, "number_kind"),
        ({"key": "bad key!", "label": "B", "data_type": "TEXT", "number_kind": ""}, "key"),
    ],
)
def test_attribute_validation_errors_are_field_errors(as_marketer, data, field):
    response = as_marketer.post("/people/attributes/new/", data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not AttributeDefinition.objects.exists()


def test_deleting_an_attribute_a_segment_uses_is_refused_with_the_reason(as_marketer):
    score = AttributeDefinitionFactory(key="score", data_type="NUMBER", number_kind="whole")
    SegmentFactory(
        name="High scorers",
        rules={"op": "and", "rules": [{"attribute": "score", "operator": "greater_than", "value": 5}]},
    )
    response = as_marketer.post(f"/people/attributes/{score.pk}/delete/", follow=True)
    assert AttributeDefinition.objects.filter(pk=score.pk).exists()
    assert "High scorers" in response.content.decode()

    unused = AttributeDefinitionFactory(key="unused", data_type="TEXT")
    as_marketer.post(f"/people/attributes/{unused.pk}/delete/")
    assert not AttributeDefinition.objects.filter(pk=unused.pk).exists()


# --- event definitions ----------------------------------------------------------------------


def test_event_create_with_properties_then_relabel_and_add_one(as_marketer):
    response = as_marketer.post("/people/events/new/", event_data())
    assert response.status_code == 302, response.context["form"].errors
    purchase = EventDefinition.objects.get()
    assert purchase.properties == [{"key": "total", "label": "Total", "data_type": "NUMBER"}]

    page = as_marketer.get(f"/people/events/{purchase.pk}/edit/")
    assert page.status_code == 200
    response = as_marketer.post(
        f"/people/events/{purchase.pk}/edit/",
        event_data(
            key="renamed",
            label="Order",
            description="An order",
            **{
                "prop-TOTAL_FORMS": "4",
                "prop-INITIAL_FORMS": "1",
                "prop-0-key": "changed",  # disabled: ignored
                "prop-0-data_type": "TEXT",  # disabled: ignored
                "prop-0-label": "Order total",
                "prop-1-key": "sku",
                "prop-1-label": "",
                "prop-1-data_type": "TEXT",
            },
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    purchase.refresh_from_db()
    assert (purchase.key, purchase.label, purchase.description) == ("purchase", "Order", "An order")
    assert purchase.properties == [
        {"key": "total", "label": "Order total", "data_type": "NUMBER"},
        {"key": "sku", "label": "sku", "data_type": "TEXT"},
    ]


def test_event_property_errors_are_shown_and_nothing_is_stored(as_marketer):
    response = as_marketer.post(
        "/people/events/new/",
        event_data(
            **{
                "prop-1-key": "total",
                "prop-1-data_type": "TEXT",
                "prop-2-key": "9bad",
                "prop-2-data_type": "TEXT",
            }
        ),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "appears twice" in content and "starting with a letter" in content
    response = as_marketer.post("/people/events/new/", event_data(**{"prop-0-data_type": ""}))
    assert response.status_code == 200 and b"error-prop-0-data_type" in response.content
    assert not EventDefinition.objects.exists()


def test_deleting_an_event_a_segment_uses_is_refused_with_the_reason(as_marketer):
    as_marketer.post("/people/events/new/", event_data())
    purchase = EventDefinition.objects.get()
    SegmentFactory(
        name="Buyers", rules={"op": "and", "rules": [{"event": "purchase", "operator": "happened"}]}
    )
    response = as_marketer.post(f"/people/events/{purchase.pk}/delete/", follow=True)
    assert EventDefinition.objects.exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("Buyers" in m and "not deleted" in m for m in messages)


def test_deleting_an_unused_event(as_marketer):
    as_marketer.post("/people/events/new/", event_data())
    purchase = EventDefinition.objects.get()
    as_marketer.post(f"/people/events/{purchase.pk}/delete/")
    assert not EventDefinition.objects.exists()


# --- escaping -------------------------------------------------------------------------------


def test_hostile_names_are_escaped_everywhere(as_marketer):
    company = CompanyFactory(name=HOSTILE, domain=HOSTILE)
    tag = TagFactory(name=HOSTILE)
    attribute = AttributeDefinitionFactory(key="x", label=HOSTILE, data_type="TEXT")
    as_marketer.post(
        "/people/events/new/", event_data(label=HOSTILE, description=HOSTILE, **{"prop-0-label": HOSTILE})
    )
    event = EventDefinition.objects.get()
    urls = [
        *LISTS,
        f"/people/companies/{company.pk}/edit/",
        f"/people/companies/{company.pk}/delete/",
        f"/people/tags/{tag.pk}/edit/",
        f"/people/tags/{tag.pk}/delete/",
        f"/people/attributes/{attribute.pk}/edit/",
        f"/people/events/{event.pk}/edit/",
    ]
    for url in urls:
        content = as_marketer.get(url).content.decode()
        assert HOSTILE not in content, url
    as_marketer.post(f"/people/tags/{tag.pk}/delete/")
    content = as_marketer.get("/people/tags/").content.decode()
    assert HOSTILE not in content and "&lt;script&gt;" in content
