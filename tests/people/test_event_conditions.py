"""Event conditions in rule documents: happened / not happened, windows (and their boundaries),
numbers of occurrences and typed property filters, compiled to SQL and run on the database the suite
runs on (SQLite or PostgreSQL)."""

import datetime as dt

import pytest

from people import events, services
from people.conditions import OPERATORS, compile_rules, operators_for, validate_rules
from people.models import Person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# 23:30 UTC: already 11 March in Brussels, still 10 March in UTC.
NOW = dt.datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
WEEK = dt.timedelta(days=7)


def matching(rule: dict, *, now: dt.datetime = NOW) -> set[str]:
    doc = {"op": "and", "rules": [rule]}
    return {p.first_name for p in Person.objects.filter(compile_rules(doc, now=now))}


def purchase(**extra) -> dict:
    return {"event": "purchase", "operator": "happened", **extra}


def paid_at(operator: str, amount: int, unit: str) -> dict:
    value = {"amount": amount, "unit": unit}
    return purchase(properties=[{"property": "paid_at", "operator": operator, "value": value}])


@pytest.fixture
def shop():
    events.event_definition_create(
        key="purchase",
        label="Purchase",
        properties=[
            {"key": "total", "label": "Total", "data_type": "NUMBER"},
            {"key": "currency", "label": "Currency", "data_type": "TEXT"},
            {"key": "items", "label": "Items", "data_type": "LIST"},
            {"key": "gift", "label": "Gift", "data_type": "BOOLEAN"},
            {"key": "delivery", "label": "Delivery", "data_type": "DATE"},
            {"key": "paid_at", "label": "Paid at", "data_type": "DATETIME"},
        ],
    )
    events.event_definition_create(key="login", label="Login")
    ann = services.person_create(first_name="ann", timezone="Europe/Brussels")
    bob = services.person_create(first_name="bob")
    cid = services.person_create(first_name="cid")
    services.person_create(first_name="dan")
    eve = services.person_create(first_name="eve")
    batch = [
        (ann, NOW - dt.timedelta(hours=1), {"total": 50, "currency": "EUR", "items": ["Golf ball", "Tee"]}),
        (ann, NOW - dt.timedelta(days=3), {"total": 20, "gift": True, "delivery": "2025-03-11"}),
        (ann, NOW - dt.timedelta(days=10), {"total": "5.25", "paid_at": "2025-02-28T23:30:00-01:00"}),
        # Exactly at the start of a 7-day window, and one microsecond before it.
        (bob, NOW - WEEK, {"total": 100, "currency": "usd", "gift": False, "delivery": "2025-03-11"}),
        (cid, NOW - WEEK - dt.timedelta(microseconds=1), {"total": 7}),
        # Sent with a timestamp in the future (a wrong clock): it has not happened yet at NOW.
        (eve, NOW + dt.timedelta(hours=1), {"total": 1}),
    ]
    report = events.events_ingest(
        items=[
            {
                "idempotency_key": f"k{i}",
                "event": "purchase",
                "person": {"id": who.pk},
                "occurred_at": at.isoformat(),
                "properties": props,
            }
            for i, (who, at, props) in enumerate(batch)
        ],
        now=NOW,
    )
    assert (report.accepted, report.rejected) == (len(batch), [])


def test_event_operators_are_in_the_registry():
    assert [op.name for op in operators_for("event")] == ["happened", "not_happened"]
    assert OPERATORS["not_happened"].negates == "happened"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # happened at any time up to now; the future event does not count yet
        (purchase(), {"ann", "bob", "cid"}),
        ({"event": "purchase", "operator": "not_happened"}, {"dan", "eve"}),
        ({"event": "login", "operator": "happened"}, set()),
        # windows: the start is included, a microsecond earlier is not
        (purchase(within={"amount": 7, "unit": "days"}), {"ann", "bob"}),
        (purchase(within={"amount": 168, "unit": "hours"}), {"ann", "bob"}),
        (purchase(within={"amount": 10080, "unit": "minutes"}), {"ann", "bob"}),
        (purchase(within={"amount": 10079, "unit": "minutes"}), {"ann"}),
        (purchase(within={"amount": 61, "unit": "minutes"}), {"ann"}),
        (purchase(within={"amount": 59, "unit": "minutes"}), set()),
        (
            {"event": "purchase", "operator": "not_happened", "within": {"amount": 7, "unit": "days"}},
            {"cid", "dan", "eve"},
        ),
        # number of occurrences
        (purchase(count={"operator": "gte", "value": 3}), {"ann"}),
        (purchase(count={"operator": "gte", "value": 2}, within={"amount": 7, "unit": "days"}), {"ann"}),
        (purchase(count={"operator": "eq", "value": 1}), {"bob", "cid"}),
        (purchase(count={"operator": "eq", "value": 3}), {"ann"}),
        (purchase(count={"operator": "eq", "value": 2}), set()),
        (purchase(count={"operator": "lte", "value": 1}), {"bob", "cid", "dan", "eve"}),
        (purchase(count={"operator": "eq", "value": 0}), {"dan", "eve"}),
        (purchase(count={"operator": "gte", "value": 0}), {"ann", "bob", "cid", "dan", "eve"}),
        (
            {"event": "purchase", "operator": "not_happened", "count": {"operator": "gte", "value": 3}},
            {"bob", "cid", "dan", "eve"},
        ),
        # property filters: typed, text ignoring case, list membership ignoring case
        (purchase(properties=[{"property": "total", "operator": "gte", "value": 50}]), {"ann", "bob"}),
        (purchase(properties=[{"property": "total", "operator": "is", "value": "5.25"}]), {"ann"}),
        (purchase(properties=[{"property": "total", "operator": "lt", "value": 6}]), {"ann"}),
        (purchase(properties=[{"property": "currency", "operator": "is", "value": "eur"}]), {"ann"}),
        (purchase(properties=[{"property": "currency", "operator": "starts_with", "value": "U"}]), {"bob"}),
        # "is not" is the complement per event: ann's other purchases have no currency
        (
            purchase(properties=[{"property": "currency", "operator": "is_not", "value": "eur"}]),
            {"ann", "bob", "cid"},
        ),
        (purchase(properties=[{"property": "currency", "operator": "is_not_empty"}]), {"ann", "bob"}),
        (purchase(properties=[{"property": "items", "operator": "contains", "value": "golf BALL"}]), {"ann"}),
        (purchase(properties=[{"property": "items", "operator": "contains", "value": "golf"}]), set()),
        (purchase(properties=[{"property": "gift", "operator": "is", "value": True}]), {"ann"}),
        (purchase(properties=[{"property": "gift", "operator": "is", "value": False}]), {"bob"}),
        (
            purchase(properties=[{"property": "paid_at", "operator": "is", "value": "2025-03-01T00:30:00Z"}]),
            {"ann"},
        ),
        (
            purchase(
                properties=[
                    {"property": "paid_at", "operator": "before", "value": "2025-03-01T01:30:00+01:00"}
                ]
            ),
            set(),
        ),
        # delivery "2025-03-11" is today for ann (Brussels) and tomorrow for bob (UTC)
        (purchase(properties=[{"property": "delivery", "operator": "is_today"}]), {"ann"}),
        (purchase(properties=[{"property": "delivery", "operator": "will_be_in", "value": 1}]), {"bob"}),
        (paid_at("will_be_in", 1, "days"), set()),
        # paid_at is 2025-03-01T00:30Z, exactly 239 hours before NOW: instant windows, no timezone
        (paid_at("was_within", 239, "hours"), {"ann"}),
        (paid_at("was_within", 238, "hours"), set()),
        (paid_at("was", 239, "hours"), {"ann"}),
        (paid_at("was", 238, "hours"), set()),  # (now-239h, now-238h]: the start is excluded
        (paid_at("was_more_than", 239, "hours"), set()),
        (paid_at("was_more_than", 14339, "minutes"), {"ann"}),
        # days and weeks: 1 March in ann's zone (Brussels), where today is 11 March
        (paid_at("was", 10, "days"), {"ann"}),
        (paid_at("was", 1, "weeks"), set()),
        (paid_at("was_more_than", 1, "weeks"), {"ann"}),
        # all filters hold on the same event, then the count applies to those events
        (
            purchase(
                properties=[
                    {"property": "total", "operator": "gte", "value": 10},
                    {"property": "total", "operator": "lte", "value": 60},
                ],
                count={"operator": "gte", "value": 2},
            ),
            {"ann"},
        ),
        (
            purchase(
                properties=[
                    {"property": "total", "operator": "gte", "value": 50},
                    {"property": "gift", "operator": "is", "value": True},
                ]
            ),
            set(),
        ),
    ],
)
def test_event_conditions(shop, rule, expected):
    assert validate_rules({"op": "and", "rules": [rule]}) == []
    assert matching(rule) == expected


def test_the_window_moves_with_now(shop):
    rule = purchase(within={"amount": 7, "unit": "days"})
    assert matching(rule, now=NOW + dt.timedelta(microseconds=1)) == {"ann"}
    # an hour later the "future" event has happened, and is inside the window
    assert matching(rule, now=NOW + dt.timedelta(hours=1)) == {"ann", "eve"}


def test_event_and_attribute_conditions_combine(shop):
    doc = {
        "op": "and",
        "rules": [
            {"attribute": "timezone", "operator": "is", "value": "UTC"},
            {
                "op": "or",
                "rules": [
                    purchase(within={"amount": 7, "unit": "days"}),
                    {"event": "purchase", "operator": "not_happened"},
                ],
            },
        ],
    }
    assert {p.first_name for p in Person.objects.filter(compile_rules(doc, now=NOW))} == {"bob", "dan", "eve"}


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        ({"event": "ghost", "operator": "happened"}, "rules[0].event", "Unknown event 'ghost'."),
        ({"event": 3, "operator": "happened"}, "rules[0].event", "Must be the key of an event definition."),
        ({"event": "purchase", "operator": "is"}, "rules[0].operator", "Operator not allowed 'is'"),
        ({"event": "purchase", "operator": "did"}, "rules[0].operator", "Unknown operator 'did'"),
        (purchase(within={"amount": 0, "unit": "days"}), "rules[0].within.amount", "from 1 to"),
        (purchase(within={"amount": 2, "unit": "weeks"}), "rules[0].within.unit", "minutes, hours, days"),
        (purchase(within=7), "rules[0].within", '"amount"'),
        (purchase(count={"operator": "gt", "value": 1}), "rules[0].count.operator", "gte, lte, eq"),
        (purchase(count={"operator": "eq", "value": -1}), "rules[0].count.value", "from 0 to"),
        (purchase(count={"operator": "eq", "value": 1.5}), "rules[0].count.value", "whole number"),
        (
            purchase(properties=[{"property": "colour", "operator": "is", "value": "red"}]),
            "rules[0].properties[0].property",
            "Unknown property 'colour' of the event 'purchase'",
        ),
        (
            purchase(properties=[{"property": "currency", "operator": "gt", "value": "a"}]),
            "rules[0].properties[0].operator",
            "Operator not allowed 'gt' for TEXT properties",
        ),
        (
            purchase(properties=[{"property": "total", "operator": "gt", "value": "lots"}]),
            "rules[0].properties[0].value",
            "Must be a number.",
        ),
        (
            purchase(properties=[{"property": "paid_at", "operator": "after", "value": "2025-03-01T10:00"}]),
            "rules[0].properties[0].value",
            "offset",
        ),
        (
            purchase(properties=[{"property": "total", "operator": "gt", "value": 1, "unit": "EUR"}]),
            "rules[0].properties[0].unit",
            "Unknown key in a property filter",
        ),
        (
            purchase(
                properties=[
                    {"property": "delivery", "operator": "was", "value": {"amount": 2, "unit": "hours"}}
                ]
            ),
            "rules[0].properties[0].value.unit",
            "Use days or weeks for a date attribute; minutes and hours need a date-time attribute.",
        ),
        (purchase(value=3), "rules[0].value", "Unknown key in an event condition"),
        ({"event": "purchase", "attribute": "city", "operator": "happened"}, "rules[0]", "exactly one of"),
    ],
)
def test_invalid_event_conditions_point_at_the_problem(shop, rule, path, message):
    errors = validate_rules({"op": "and", "rules": [rule]})
    assert [e.path for e in errors] == [path], errors
    assert message in errors[0].message


def test_all_problems_of_an_event_condition_are_reported_at_once(shop):
    rule = {
        "event": "purchase",
        "operator": "happend",
        "within": {"amount": -1, "unit": "days"},
        "properties": [{"property": "total", "operator": "gte", "value": "x"}],
    }
    paths = [e.path for e in validate_rules({"op": "and", "rules": [rule]})]
    assert paths == ["rules[0].operator", "rules[0].within.amount", "rules[0].properties[0].value"]


# --- through the segments API -------------------------------------------------------------------------


def test_segment_with_an_event_condition_counts_and_protects_its_definition(shop, api_client):
    api_client.force_login(UserFactory(roles=["marketer"]))
    rules = {
        "op": "and",
        "rules": [purchase(properties=[{"property": "currency", "operator": "is", "value": "USD"}])],
    }

    created = api_client.post("/api/segments/", {"name": "Dollar buyers", "rules": rules}, format="json")
    assert created.status_code == 201, created.content
    count = api_client.get(f"/api/segments/{created.json()['id']}/count/")
    table = api_client.get("/api/segments/operators/").json()
    definition = api_client.get("/api/event-definitions/").json()["results"][1]
    deleted = api_client.delete(f"/api/event-definitions/{definition['id']}/")

    assert count.json() == {"count": 1}
    assert [op["name"] for op in table["subjects"]["event"]] == ["happened", "not_happened"]
    assert [e["key"] for e in table["events"]] == ["login", "purchase"]
    assert definition["key"] == "purchase"
    assert deleted.status_code == 409
    assert "Dollar buyers" in deleted.json()["detail"]


def test_segment_api_reports_event_condition_errors_by_path(shop, api_client):
    api_client.force_login(UserFactory(roles=["marketer"]))
    rules = {"op": "and", "rules": [purchase(count={"operator": "gte", "value": "three"})]}

    response = api_client.post("/api/segments/", {"name": "Bad", "rules": rules}, format="json")

    assert response.status_code == 400
    assert response.json()["rules"][0]["path"] == "rules[0].count.value"
