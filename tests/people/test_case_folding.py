"""Text conditions ignore case for every letter, not only A-Z (issue 13, item 8).

SQLite's LIKE and UPPER fold ASCII letters only, so "Émile" was not "émile" and `contains "école"`
missed "ÉCOLE" there. Asked through the rule builder's preview, as a marketer sees it, on the database
the suite runs on (SQLite by default), for custom and standard text attributes and event properties.
"""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from people import events, services
from people.conditions.evaluate import rule_matches
from people.selectors import person_snapshots
from tests.factories import AttributeDefinitionFactory

pytestmark = pytest.mark.django_db

DECOMPOSED_ECOLE = "E\u0301COLE du Centre"  # É typed as E + a combining acute accent


@pytest.fixture
def crowd():
    AttributeDefinitionFactory(key="school", data_type="TEXT")
    people = {
        "Émile": "École du Centre",
        "ÉMILE": "ÉCOLE SAINT-LUC",
        "émile": "Lycée Émile Zola",
        "Emile": "Athénée royal",
        "Zoë": "Collège Saint-Luc",
        "Ωmega": "ΣΧΟΛΕΙΟ",
    }
    return _create(people)


def _create(schools: dict[str, str]) -> set[int]:
    """Persons by first name, each with a custom TEXT attribute "school"."""
    return {
        services.person_create(first_name=name, attributes={"school": school}).pk
        for name, school in schools.items()
    }


@pytest.fixture
def as_marketer(api_client, marketer):
    api_client.force_login(marketer)
    return api_client


def _preview(client, rule: dict) -> set[str]:
    """The first names of everyone the rule builder's preview finds for one condition."""
    response = client.post("/api/segments/preview/", {"rules": {"op": "and", "rules": [rule]}}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["sample"])  # the crowd is smaller than a sample
    return {person["first_name"] for person in body["sample"]}


def _in_python(rule: dict, ids: set[int]) -> set[str]:
    """The same condition decided in Python (people.conditions.evaluate), as triggers decide it."""
    doc, now = {"op": "and", "rules": [rule]}, timezone.now()
    snapshots = person_snapshots(sorted(ids))
    return {s["first_name"] for s in snapshots.values() if rule_matches(doc, s, now=now)}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # A standard attribute (a Person column).
        ({"attribute": "first_name", "operator": "is", "value": "émile"}, {"Émile", "ÉMILE", "émile"}),
        ({"attribute": "first_name", "operator": "is", "value": "ÉMILE"}, {"Émile", "ÉMILE", "émile"}),
        ({"attribute": "first_name", "operator": "starts_with", "value": "ÉM"}, {"Émile", "ÉMILE", "émile"}),
        ({"attribute": "first_name", "operator": "ends_with", "value": "Ë"}, {"Zoë"}),
        ({"attribute": "first_name", "operator": "contains", "value": "ωM"}, {"Ωmega"}),
        # A custom attribute (AttributeValue.value_text).
        ({"attribute": "school", "operator": "contains", "value": "école"}, {"Émile", "ÉMILE"}),
        ({"attribute": "school", "operator": "contains", "value": "éMILE"}, {"émile"}),
        ({"attribute": "school", "operator": "is", "value": "école du centre"}, {"Émile"}),
        ({"attribute": "school", "operator": "starts_with", "value": "COLLÈGE"}, {"Zoë"}),
        ({"attribute": "school", "operator": "starts_with", "value": "athÉnÉe"}, {"Emile"}),
        ({"attribute": "school", "operator": "ends_with", "value": "ειο"}, {"Ωmega"}),
    ],
)
def test_case_is_ignored_for_letters_beyond_ascii(as_marketer, crowd, rule, expected):
    assert _preview(as_marketer, rule) == expected
    assert _in_python(rule, crowd) == expected


def test_is_not_leaves_out_every_spelling(as_marketer, crowd):
    rule = {"attribute": "first_name", "operator": "is_not", "value": "ÉMILE"}

    assert _preview(as_marketer, rule) == {"Emile", "Zoë", "Ωmega"}


def test_an_accent_is_still_a_different_letter(as_marketer, crowd):
    # Ignoring case does not ignore accents: "emile" is not "Émile".
    assert _preview(as_marketer, {"attribute": "first_name", "operator": "is", "value": "emile"}) == {"Emile"}


def test_sharp_s_and_decomposed_accents_fold_as_unicode_says_on_sqlite(as_marketer, db):
    AttributeDefinitionFactory(key="school", data_type="TEXT")
    ids = _create(
        {
            "Straße": "Hauptstraße",
            "STRASSE": "HAUPTSTRASSE",
            "Strasse": "hauptstrasse 1",
            "Noé": DECOMPOSED_ECOLE,
            "Léa": "École du Centre",
        }
    )
    rules = {
        "is": {"attribute": "school", "operator": "is", "value": "HAUPTSTRASSE"},
        "contains": {"attribute": "school", "operator": "contains", "value": "straße"},
        "accent": {"attribute": "school", "operator": "starts_with", "value": "école"},
    }

    found = {name: _preview(as_marketer, rule) for name, rule in rules.items()}

    # SQL and its Python twin agree on every database ...
    assert {name: _in_python(rule, ids) for name, rule in rules.items()} == found
    if connection.vendor == "sqlite":
        # ... and on SQLite the comparison is Unicode case folding of the canonical form: "ß" is "SS", and
        # an É typed as E + combining accent is É. (PostgreSQL's UPPER, kept as it is, maps one letter to
        # one letter and compares code points, so there "Hauptstraße" and the decomposed É are themselves.)
        assert found == {
            "is": {"Straße", "STRASSE"},
            "contains": {"Straße", "STRASSE", "Strasse"},
            "accent": {"Noé", "Léa"},
        }


@pytest.fixture
def visits():
    events.event_definition_create(
        key="visit",
        label="Visit",
        properties=[
            {"key": "school", "label": "School", "data_type": "TEXT"},
            {"key": "rooms", "label": "Rooms", "data_type": "LIST"},
        ],
    )
    now = timezone.now()
    batch = {
        "Anaïs": {"school": "ÉCOLE SAINT-LUC", "rooms": ["Étude", "Salle Ü"]},
        "Bob": {"school": "Athénée", "rooms": ["Gym"]},
    }
    items = []
    for i, (name, properties) in enumerate(batch.items()):
        person = services.person_create(first_name=name)
        items.append(
            {
                "idempotency_key": f"visit-{i}",
                "event": "visit",
                "person": {"id": person.pk},
                "occurred_at": (now - dt.timedelta(minutes=5)).isoformat(),
                "properties": properties,
            }
        )
    report = events.events_ingest(items=items, now=now)
    assert (report.accepted, report.rejected) == (2, [])


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"property": "school", "operator": "contains", "value": "école"}, {"Anaïs"}),
        ({"property": "school", "operator": "is", "value": "ATHÉNÉE"}, {"Bob"}),
        ({"property": "school", "operator": "starts_with", "value": "ATHÉ"}, {"Bob"}),
        # A LIST property holds an item, ignoring case: "étude" is the item "Étude".
        ({"property": "rooms", "operator": "contains", "value": "étude"}, {"Anaïs"}),
        ({"property": "rooms", "operator": "contains", "value": "SALLE ü"}, {"Anaïs"}),
    ],
)
def test_event_properties_ignore_case_beyond_ascii(as_marketer, visits, prop, expected):
    rule = {"event": "visit", "operator": "happened", "properties": [prop]}

    assert _preview(as_marketer, rule) == expected
