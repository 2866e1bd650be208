"""Event definitions and the ingestion API: typed properties, per-event errors, partial acceptance,
idempotent retries, the batch limit, timezones and who may call it."""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token

from people import events, services
from people.models import Event, EventDefinition
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def purchase():
    return events.event_definition_create(
        key="purchase",
        label="Purchase",
        properties=[
            {"key": "total", "label": "Total", "data_type": "NUMBER"},
            {"key": "sku", "label": "SKU", "data_type": "TEXT"},
            {"key": "gift", "label": "Gift", "data_type": "BOOLEAN"},
            {"key": "items", "label": "Items", "data_type": "LIST"},
            {"key": "ships_on", "label": "Ships on", "data_type": "DATE"},
            {"key": "paid_at", "label": "Paid at", "data_type": "DATETIME"},
        ],
    )


@pytest.fixture
def integrator(api_client):
    token = Token.objects.create(user=UserFactory(roles=["staff"]))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


def post(client, batch, **kwargs):
    return client.post("/api/events/", {"events": batch}, format="json", **kwargs)


def one(key: str, person: dict, **extra) -> dict:
    return {"idempotency_key": key, "event": "purchase", "person": person, **extra}


# --- ingestion -----------------------------------------------------------------------------------


def test_valid_events_are_stored_with_typed_properties(purchase, integrator):
    ann = PersonFactory(email="ann@example.com", external_id="crm-1")
    services.person_update(person=ann, fields={"phone": "+32470123456"})
    batch = [
        one(
            "a1",
            {"email": "ANN@example.com"},
            occurred_at="2025-03-10T09:30:00+01:00",
            properties={
                "total": "19.90",
                "sku": "X-1",
                "gift": True,
                "items": ["Tee", "tee", "Ball"],
                "ships_on": "2025-03-12",
                "paid_at": "2025-03-10T09:29:59.5+01:00",
            },
        ),
        one("a2", {"external_id": "crm-1"}, properties={"total": 3}),
        one("a3", {"phone": "0470 12 34 56"}),
        one("a4", {"id": ann.pk}, properties={"sku": None}),
    ]

    response = post(integrator, batch)

    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 4, "duplicates": 0, "rejected": []}
    first = Event.objects.get(idempotency_key="a1")
    assert first.person == ann
    assert first.occurred_at == dt.datetime(2025, 3, 10, 8, 30, tzinfo=dt.UTC)
    assert first.properties == {
        "total": 19.9,
        "sku": "X-1",
        "gift": True,
        "items": ["Tee", "Ball"],
        "ships_on": "2025-03-12",
        "paid_at": "2025-03-10T08:29:59.500000Z",
    }
    assert Event.objects.get(idempotency_key="a2").properties == {"total": 3}
    assert Event.objects.get(idempotency_key="a4").properties == {}


def test_occurred_at_defaults_to_when_received(purchase, integrator):
    PersonFactory(email="ann@example.com")
    before = dt.datetime.now(dt.UTC)

    post(integrator, [one("now", {"email": "ann@example.com"})])

    event = Event.objects.get()
    assert before <= event.occurred_at == event.received_at <= dt.datetime.now(dt.UTC)


def test_invalid_events_are_reported_one_by_one_and_valid_ones_stored(purchase, integrator):
    PersonFactory(email="ann@example.com")
    ann = {"email": "ann@example.com"}
    batch = [
        one("ok-1", ann, properties={"total": 1}),
        {"idempotency_key": "bad-event", "event": "refund", "person": ann},
        one("bad-person", {"email": "nobody@example.com"}),
        one(
            "bad-props",
            ann,
            properties={"total": "lots", "gift": "yes", "colour": "red", "paid_at": "2025-03-10T09:30:00"},
        ),
        one("bad-time", ann, occurred_at="2025-03-10 09:30"),
        one("", ann),
        one("two-ids", {"email": "ann@example.com", "id": 1}),
        "not an object",
        one("ok-2", ann, extra=1),
        one("ok-3", ann),
    ]

    response = post(integrator, batch)

    assert response.status_code == 207
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (2, 0)
    rejected = {r["index"]: r for r in body["rejected"]}
    assert sorted(rejected) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert rejected[1]["idempotency_key"] == "bad-event"
    assert "Unknown event 'refund'" in rejected[1]["errors"]["event"][0]
    assert rejected[2]["errors"] == {"person": ["No person with email 'nobody@example.com'."]}
    props = rejected[3]["errors"]["properties"]
    assert props["total"] == ["Must be a number."]
    assert props["gift"] == ["Must be true or false."]
    assert "Unknown property 'colour'" in props["colour"][0]
    assert props["paid_at"] == ["Must include a timezone offset (Z or +01:00)."]
    assert "occurred_at" in rejected[4]["errors"]
    assert rejected[5]["idempotency_key"] is None
    assert "Required" in rejected[5]["errors"]["idempotency_key"][0]
    assert "exactly one of" in rejected[6]["errors"]["person"][0]
    assert rejected[7]["errors"] == {"non_field_errors": ["Each event must be an object."]}
    assert "Unknown field" in rejected[8]["errors"]["extra"][0]
    assert sorted(Event.objects.values_list("idempotency_key", flat=True)) == ["ok-1", "ok-3"]


def test_a_retried_request_stores_nothing_twice(purchase, integrator):
    PersonFactory(email="ann@example.com")
    batch = [one(f"r{i}", {"email": "ann@example.com"}, properties={"total": i}) for i in range(3)]
    batch.append(one("no-time", {"email": "ann@example.com"}))  # "now" differs on the retry

    first = post(integrator, batch)
    again = post(integrator, batch)

    assert first.json() == {"accepted": 4, "duplicates": 0, "rejected": []}
    assert again.status_code == 200
    assert again.json() == {"accepted": 0, "duplicates": 4, "rejected": []}
    assert Event.objects.count() == 4


def test_a_key_reused_for_another_event_is_refused(purchase, integrator):
    PersonFactory(email="ann@example.com")
    ann = {"email": "ann@example.com"}
    post(integrator, [one("k1", ann, properties={"total": 1})])

    response = post(
        integrator,
        [
            one("k1", ann, properties={"total": 2}),  # stored earlier with total 1
            one("k2", ann),
            one("k2", ann),  # the same event twice in one batch: stored once
            one("k3", ann, properties={"total": 1}),
            one("k3", ann, properties={"total": 9}),  # same key, another event in one batch
        ],
    )

    body = response.json()
    assert response.status_code == 207
    assert (body["accepted"], body["duplicates"]) == (2, 1)
    assert [(r["index"], r["idempotency_key"]) for r in body["rejected"]] == [(0, "k1"), (4, "k3")]
    assert "Already used for a different event" in body["rejected"][0]["errors"]["idempotency_key"][0]
    assert Event.objects.get(idempotency_key="k1").properties == {"total": 1}
    assert Event.objects.get(idempotency_key="k3").properties == {"total": 1}


def test_an_oversized_batch_is_refused_whole(purchase, integrator):
    person = PersonFactory()
    batch = [one(f"b{i}", {"id": person.pk}) for i in range(events.MAX_BATCH + 1)]

    too_many = post(integrator, batch)
    just_right = post(integrator, batch[:-1])

    assert too_many.status_code == 400
    assert too_many.json() == {
        "events": ["At most 1000 events per request; this one has 1001. Split it into several requests."]
    }
    assert just_right.json()["accepted"] == events.MAX_BATCH
    assert Event.objects.count() == events.MAX_BATCH


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"events": []}, "Send at least one event."),
        ({"events": {"idempotency_key": "x"}}, "Send a list of events."),
        ({"event": []}, 'Send {"events": [...]}'),
    ],
)
def test_a_body_that_is_not_a_batch_is_refused(purchase, integrator, body, message):
    response = integrator.post("/api/events/", body, format="json")
    assert response.status_code == 400
    assert message in response.json()["events"][0]


def test_a_bare_list_is_accepted_too(purchase, integrator):
    person = PersonFactory()
    response = integrator.post("/api/events/", [one("bare", {"id": person.pk})], format="json")
    assert response.json()["accepted"] == 1


@pytest.mark.parametrize(
    ("role", "status"), [("staff", 200), ("marketer", 403), ("enduser", 403), (None, 403)]
)
def test_who_may_send_events(purchase, api_client, role, status):
    person = PersonFactory()
    api_client.force_login(UserFactory(roles=[role] if role else []))

    response = post(api_client, [one("x", {"id": person.pk})])

    assert response.status_code == status
    assert Event.objects.count() == (1 if status == 200 else 0)


def test_anonymous_callers_cannot_send_events(purchase, api_client):
    person = PersonFactory()
    response = post(api_client, [one("x", {"id": person.pk})])
    assert response.status_code in (401, 403)
    assert not Event.objects.exists()


# --- definitions ---------------------------------------------------------------------------------


def test_marketers_define_events_and_staff_read_them(api_client):
    api_client.force_login(UserFactory(roles=["marketer"]))
    created = api_client.post(
        "/api/event-definitions/",
        {
            "key": "item_viewed",
            "label": "Item viewed",
            "description": "A product page was opened",
            "properties": [{"key": "itemId", "label": "Item", "data_type": "TEXT"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content

    api_client.force_login(UserFactory(roles=["staff"]))
    listed = api_client.get("/api/event-definitions/")
    refused = api_client.post("/api/event-definitions/", {"key": "x", "label": "X"}, format="json")

    assert listed.json()["results"][0]["properties"] == [
        {"key": "itemId", "label": "Item", "data_type": "TEXT"}
    ]
    assert refused.status_code == 403
    assert EventDefinition.objects.count() == 1


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ([{"key": "a", "data_type": "TEXT"}, {"key": "a", "data_type": "NUMBER"}], "appears twice"),
        ([{"key": "9lives", "data_type": "TEXT"}], "starting with a letter"),
        ([{"key": "a__b", "data_type": "TEXT"}], "no double _"),
    ],
)
def test_property_lists_are_validated(api_client, properties, message):
    api_client.force_login(UserFactory(roles=["marketer"]))
    response = api_client.post(
        "/api/event-definitions/", {"key": "e", "label": "E", "properties": properties}, format="json"
    )
    assert response.status_code == 400
    assert message in str(response.json()["properties"])


def test_a_property_type_is_checked_by_its_choices(api_client):
    api_client.force_login(UserFactory(roles=["marketer"]))
    response = api_client.post(
        "/api/event-definitions/",
        {"key": "e", "label": "E", "properties": [{"key": "a", "data_type": "MONEY"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "data_type" in str(response.json()["properties"])


def test_properties_keep_their_key_and_type_but_may_be_added(purchase, api_client):
    api_client.force_login(UserFactory(roles=["marketer"]))
    url = f"/api/event-definitions/{purchase.pk}/"
    kept = [dict(p) for p in purchase.properties]

    retyped = api_client.patch(
        url, {"properties": [{**kept[0], "data_type": "TEXT"}, *kept[1:]]}, format="json"
    )
    removed = api_client.patch(url, {"properties": kept[1:]}, format="json")
    rekeyed = api_client.patch(url, {"key": "buy"}, format="json")
    added = api_client.patch(
        url,
        {"label": "Order", "properties": [*kept, {"key": "coupon", "label": "Coupon", "data_type": "TEXT"}]},
        format="json",
    )

    assert retyped.status_code == removed.status_code == rekeyed.status_code == 400
    assert "cannot change its type" in str(retyped.json())
    assert "cannot be removed" in str(removed.json())
    assert added.status_code == 200
    purchase.refresh_from_db()
    assert (purchase.key, purchase.label, len(purchase.properties)) == ("purchase", "Order", 7)


def test_deleting_an_unused_definition_deletes_its_events(purchase, api_client):
    person = PersonFactory()
    events.events_ingest(items=[one("d1", {"id": person.pk})])
    api_client.force_login(UserFactory(roles=["marketer"]))

    response = api_client.delete(f"/api/event-definitions/{purchase.pk}/")

    assert response.status_code == 204
    assert not Event.objects.exists()
