"""people.conditions.evaluate decides rule documents in Python exactly as the SQL compiler does.

The parity test builds a crowd whose values sit on every boundary that matters (empty and blank
values, case, also of letters beyond ASCII, LIKE wildcards, dates and instants around "now" in
several timezones, birthdays and 29 February) and, for every operator of the registry on every data
type with a set of values, asks both: the database (compile_rules, on SQLite or PostgreSQL, whichever
the suite runs on) and rule_matches on each person's snapshot.
"""

import datetime as dt
from typing import Any

import pytest

from people import services
from people.attributes import STANDARD_ATTRIBUTES, zone
from people.conditions import RulesInvalid, compile_rules, operators_for
from people.conditions.evaluate import RELATIVE_OPERATORS, NotEvaluable, rule_matches
from people.conditions.operators import OPERATORS, units_for
from people.models import AttributeDefinition, Person
from people.selectors import person_snapshots
from tests.factories import AttributeDefinitionFactory, CompanyFactory, SegmentFactory, TagFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
DT = AttributeDefinition.DataType
# "Nowhere/Atlantis" is no zone: SQL and Python both read it as UTC.
ZONES = ["UTC", "Europe/Brussels", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
ZONES_WITH_UNKNOWN = [*ZONES, "Nowhere/Atlantis"]
NOWS = {
    # 23:30 UTC: the 11th in Brussels and Kiritimati (UTC+14), the 10th in UTC and New York.
    "evening": dt.datetime(2025, 3, 10, 23, 30, tzinfo=UTC),
    # 28 February of a common year: 29 February birthdays are today.
    "feb28": dt.datetime(2025, 2, 28, 10, 0, tzinfo=UTC),
    # 28 February 23:30 UTC of a leap year: the 29th in Brussels and Kiritimati.
    "leap": dt.datetime(2024, 2, 28, 23, 30, tzinfo=UTC),
}
CUSTOM = {
    "vip": DT.BOOLEAN,
    "city": DT.TEXT,
    "score": DT.NUMBER,
    "visits": DT.NUMBER,
    "renewal": DT.DATE,
    "seen": DT.DATETIME,
    "interests": DT.LIST,
}
STANDARD = ["first_name", "email", "timezone", "opt_in", "birth_date", "created_at"]
# Letters beyond ASCII, where SQLite's own LIKE and UPPER do not fold case: accented capitals, a
# sharp s (whose capital spelling is two letters), a decomposed é (e + combining accent) and a ligature.
NON_ASCII = ["Émile", "ÉCOLE", "école primaire", "straße", "STRASSE", "E\u0301COLE", "ﬁne"]


def _start(day: dt.date, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone(tz))


def _values(now: dt.datetime, tz: str) -> dict[str, list[Any]]:
    """Each attribute's values to spread over the crowd, as one person in `tz` sees "now"."""
    today = now.astimezone(zone(tz)).date()
    days = [-400, -15, -14, -8, -7, -3, -1, 0, 1, 3, 7, 8, 14, 15, 365]
    minutes = [-21600, -4321, -61, -60, -59, -11, -10, 0, 10, 11, 59, 60, 61, 4321, 21600]
    tiny = dt.timedelta(microseconds=1)
    moments = [now + dt.timedelta(minutes=m) for m in minutes] + [
        _start(today, tz),
        _start(today, tz) - tiny,
        _start(today + dt.timedelta(days=1), tz),
        _start(today + dt.timedelta(days=1), tz) - tiny,
        _start(today - dt.timedelta(days=7), tz),
        _start(today + dt.timedelta(days=8), tz) - tiny,
    ]
    birthdays = [
        dt.date(1988, d.month, d.day) for d in (today + dt.timedelta(days=k) for k in days[1:-1])
    ] + [dt.date(2000, 2, 29), dt.date(1999, 2, 28), dt.date(2001, 3, 1), dt.date(1999, 12, 31)]
    return {
        "vip": [None, True, False],
        "city": [None, "Brussels", "brussels-north", "  ", "Ab%c_d", "ssel", "AbXcYd", *NON_ASCII],
        "score": [None, "-2", "0", "4.5", "10", "0.000001", "99999.5"],
        "visits": [None, 0, 3, 10],
        "renewal": [None, *((today + dt.timedelta(days=k)).isoformat() for k in days)],
        "seen": [None, *(m.isoformat() for m in moments)],
        "interests": [None, ["Golf", "Tennis"], ["chess"], ["golf ball"], ["GOLF"], ["École"]],
        "first_name": ["", "Ada", "ada lovelace", "  ", "BOB", "Émile", "ÉMILE Zola"],
        "email": [None, "Ada{i}@example.com", "bob{i}@corp.example.org"],  # unique: {i} is the person
        "opt_in": [True, False],
        "birth_date": [None, *birthdays],
        "created_at": moments,
    }


def _build_crowd(now: dt.datetime) -> list[int]:
    """Persons such that every value of every attribute meets every zone."""
    for key, data_type in CUSTOM.items():
        AttributeDefinitionFactory(
            key=key, data_type=data_type, number_kind="whole" if key == "visits" else "decimal"
        )
    longest = max(len(values) for values in _values(now, "UTC").values())
    ids = []
    for i in range(longest * len(ZONES_WITH_UNKNOWN)):
        tz = ZONES_WITH_UNKNOWN[i % len(ZONES_WITH_UNKNOWN)]
        row = i // len(ZONES_WITH_UNKNOWN)
        values = {key: options[row % len(options)] for key, options in _values(now, tz).items()}
        person = services.person_create(
            first_name=values["first_name"],
            email=values["email"] and values["email"].format(i=i),
            opt_in=values["opt_in"],
            birth_date=values["birth_date"],
            timezone="UTC" if tz not in ZONES else tz,
            attributes={key: values[key] for key in CUSTOM if values[key] is not None},
        )
        # Past validation: created_at is set on save, and an unknown zone is one removed since.
        Person.objects.filter(pk=person.pk).update(created_at=values["created_at"], timezone=tz)
        ids.append(person.pk)
    return ids


def _rule_values(data_type: str, value_kind: str, now: dt.datetime) -> list[Any]:
    """The values to try with an operator of `data_type` taking `value_kind`."""
    if value_kind == "none":
        return [None]
    if value_kind == "duration":
        durations: list[Any] = [0, 1, 7, {"amount": 3, "unit": "days"}]
        durations += [{"amount": n, "unit": "weeks"} for n in (0, 1, 2)]
        if "minutes" in units_for(data_type):
            durations += [{"amount": n, "unit": "minutes"} for n in (0, 10, 60, 61)]
            durations += [{"amount": n, "unit": "hours"} for n in (1, 72)]
        return durations
    today = now.date()
    return {
        DT.BOOLEAN: [True, False],
        DT.TEXT: [
            *["brussels", "BRUSSELS", "ssel", "NORTH", "%", "_", "ab%C_D", "a", "ADA1@", ".ORG", "Utc"],
            *["émile", "école", "ÉCOLE", "É", "straße", "STRASSE", "e\u0301cole", "ﬁ"],
        ],
        DT.NUMBER: [0, "4.5", -2, 10, "0.000001", 3.0],
        DT.DATE: [today.isoformat(), (today - dt.timedelta(days=7)).isoformat(), "2000-02-29"],
        DT.DATETIME: [
            now.isoformat(),
            (now - dt.timedelta(minutes=60)).astimezone(zone("Europe/Brussels")).isoformat(),
            "2025-03-10T23:20:00Z",
        ],
        DT.LIST: ["golf", "GOLF", "golf ball", "gol", "Tennis", "école", "ÉCOLE"],
    }[data_type]


def _docs(now: dt.datetime, data_types: set[str]) -> list[dict]:
    attributes = {key: STANDARD_ATTRIBUTES[key].data_type for key in STANDARD} | CUSTOM
    docs = []
    for key, data_type in attributes.items():
        if data_type not in data_types:
            continue
        for operator in operators_for(data_type):
            for value in _rule_values(data_type, operator.value, now):
                rule = {"attribute": key, "operator": operator.name}
                if value is not None:
                    rule["value"] = value
                docs.append({"op": "and", "rules": [rule]})
    return docs


@pytest.mark.parametrize("moment", list(NOWS))
def test_every_operator_decides_as_sql_does(moment):
    now = NOWS[moment]
    ids = _build_crowd(now)
    snapshots = person_snapshots(ids)
    definitions = {d.key: d for d in AttributeDefinition.objects.all()}
    # The other moments are about dates: birthdays around 29 February, days in each zone.
    data_types = set(DT.values) if moment == "evening" else {DT.DATE, DT.DATETIME}
    docs = _docs(now, data_types)
    # Every operator of each data type is tried (on its custom attribute at least).
    tried = {
        (CUSTOM[r["attribute"]], r["operator"]) for d in docs for r in d["rules"] if r["attribute"] in CUSTOM
    }
    assert tried == {(t, op.name) for t in data_types for op in operators_for(t)}

    mismatches = []
    # A parity test where everything is false would prove nothing: each relative operator in each unit
    # it takes must split the crowd, some persons in and some out, for one of its values at least.
    split: dict[tuple[str, str], bool] = {}
    for doc in docs:
        in_sql = set(Person.objects.filter(compile_rules(doc, now=now)).values_list("pk", flat=True))
        rule = doc["rules"][0]
        if rule["attribute"] == "seen" and rule["operator"] in RELATIVE_OPERATORS:
            unit = rule["value"]["unit"] if isinstance(rule.get("value"), dict) else "days"
            splits = 0 < len(in_sql) < len(ids)
            split[rule["operator"], unit] = split.get((rule["operator"], unit), False) or splits
        in_python = {pk for pk in ids if rule_matches(doc, snapshots[pk], now=now, definitions=definitions)}
        for pk in in_sql ^ in_python:
            snapshot = snapshots[pk]
            found = snapshot.get(rule["attribute"], "(none)")
            mismatches.append((rule, found, snapshot["timezone"], "SQL" if pk in in_sql else "Python"))
    assert mismatches == [], f"{len(mismatches)} disagreements, e.g. {mismatches[:5]}"
    assert [key for key, both in split.items() if not both] == []
    assert len(split) == 1 + 6 * 4  # is_today, and six operators in four units


# --- groups, tags and what only the database can decide -----------------------------------------------


@pytest.fixture
def tagged():
    vip, lead = TagFactory(name="vip"), TagFactory(name="lead")
    AttributeDefinitionFactory(key="city", data_type="TEXT")
    ann = services.person_create(first_name="Ann", tags=[vip], opt_in=True, attributes={"city": "Ghent"})
    bob = services.person_create(first_name="Bob", tags=[vip, lead])
    cid = services.person_create(first_name="Cid", opt_in=True)
    dee = services.person_create(first_name="Dee", tags=[lead], attributes={"city": "ghent"})
    return {"vip": vip.pk, "lead": lead.pk, "ids": [ann.pk, bob.pk, cid.pk, dee.pk]}


def _names(doc: dict, ids: list[int], now: dt.datetime) -> set[str]:
    snapshots = person_snapshots(ids)
    return {s["first_name"] for s in snapshots.values() if rule_matches(doc, s, now=now)}


def test_tags_and_nested_groups(tagged):
    now = NOWS["evening"]
    has = lambda tag, op="has": {"tag": tagged[tag], "operator": op}  # noqa: E731
    docs = {
        "vip": {"op": "and", "rules": [has("vip")]},
        "not vip": {"op": "and", "rules": [has("vip", "has_not")]},
        "(vip and not lead) or (opted in and (lead or city is GHENT))": {
            "op": "or",
            "rules": [
                {"op": "and", "rules": [has("vip"), has("lead", "has_not")]},
                {
                    "op": "and",
                    "rules": [
                        {"attribute": "opt_in", "operator": "is", "value": True},
                        {
                            "op": "or",
                            "rules": [has("lead"), {"attribute": "city", "operator": "is", "value": "GHENT"}],
                        },
                    ],
                },
            ],
        },
        "everyone": {"op": "and", "rules": []},
        "nobody": {"op": "or", "rules": []},
        "an empty or inside an and": {"op": "and", "rules": [has("vip"), {"op": "or", "rules": []}]},
    }
    expected = {
        "vip": {"Ann", "Bob"},
        "not vip": {"Cid", "Dee"},
        "(vip and not lead) or (opted in and (lead or city is GHENT))": {"Ann"},
        "everyone": {"Ann", "Bob", "Cid", "Dee"},
        "nobody": set(),
        "an empty or inside an and": set(),
    }
    for name, doc in docs.items():
        in_sql = {p.first_name for p in Person.objects.filter(compile_rules(doc, now=now))}
        assert _names(doc, tagged["ids"], now) == in_sql == expected[name], name


def test_a_change_is_decided_on_the_values_given():
    """Triggers ask about the person before a change: the snapshot, not the database, decides."""
    now = NOWS["evening"]
    AttributeDefinitionFactory(key="renewal", data_type="DATE")
    person = services.person_create(first_name="Ann", attributes={"renewal": "2025-03-10"})
    after = person_snapshots([person.pk])[person.pk]
    before = {**after, "renewal": "2025-01-01", "tag_ids": [99]}
    doc = {"op": "and", "rules": [{"attribute": "renewal", "operator": "is_today"}]}

    assert rule_matches(doc, after, now=now) is True
    assert rule_matches(doc, before, now=now) is False
    assert rule_matches({"op": "and", "rules": [{"tag": 99, "operator": "has"}]}, before, now=now) is True


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"segment": "SEGMENT", "operator": "in"}, "Segment conditions need the database."),
        ({"company": "COMPANY", "operator": "not_in"}, "Company conditions need the database."),
        ({"event": "purchase", "operator": "happened"}, "Event conditions (purchase) need the database."),
    ],
)
def test_what_only_the_database_knows_is_not_evaluable(rule, message):
    refs = {"SEGMENT": SegmentFactory().pk, "COMPANY": CompanyFactory().pk}
    rule = {key: refs.get(value, value) for key, value in rule.items()}
    # even nested, and even where another branch would already decide: the answer does not depend on data
    doc = {"op": "or", "rules": [{"op": "and", "rules": []}, {"op": "and", "rules": [rule]}]}
    snapshot = {"id": 1, "timezone": "UTC", "tag_ids": []}

    with pytest.raises(NotEvaluable, match=message.replace("(", r"\(").replace(")", r"\)")):
        rule_matches(doc, snapshot, now=NOWS["evening"])
    with pytest.raises(NotEvaluable):  # the cached answer too
        rule_matches(doc, snapshot, now=NOWS["evening"])


def test_invalid_documents_are_refused_as_by_the_compiler():
    bad = {"op": "and", "rules": [{"attribute": "created_at", "operator": "was", "value": {"amount": 1}}]}
    with pytest.raises(RulesInvalid, match="value.unit"):
        rule_matches(bad, {"timezone": "UTC"}, now=NOWS["evening"])
    with pytest.raises(ValueError, match="aware"):
        rule_matches({"op": "and", "rules": []}, {}, now=dt.datetime(2025, 3, 10))


def test_definitions_are_read_in_one_query_at_most(django_assert_num_queries):
    AttributeDefinitionFactory(key="seen", data_type="DATETIME")
    doc = {
        "op": "and",
        "rules": [
            {"attribute": "seen", "operator": "was_within", "value": {"amount": 2, "unit": "hours"}},
            {"attribute": "opt_in", "operator": "is", "value": True},
        ],
    }
    standard_only = {"op": "and", "rules": [doc["rules"][1]]}
    snapshot = {"timezone": "UTC", "opt_in": True, "seen": "2025-03-10T22:00:00Z"}
    definitions = {d.key: d for d in AttributeDefinition.objects.all()}
    now = NOWS["evening"]

    with django_assert_num_queries(1):
        assert rule_matches(doc, snapshot, now=now) is True
    with django_assert_num_queries(1):  # compiled once, but the definitions might have changed
        assert rule_matches(doc, {**snapshot, "seen": "2025-03-10T21:29:59Z"}, now=now) is False
    with django_assert_num_queries(0):
        assert rule_matches(doc, snapshot, now=now, definitions=definitions) is True
        assert rule_matches(doc, {**snapshot, "seen": None}, now=now, definitions=definitions) is False
        assert rule_matches(standard_only, snapshot, now=now) is True


def test_a_new_definition_of_the_same_key_is_read_with_its_own_type():
    """The cache of compiled documents is keyed by the definitions too: a key deleted and created again
    with another type is not read with the old one."""
    doc = {"op": "and", "rules": [{"attribute": "level", "operator": "is", "value": "10"}]}
    AttributeDefinitionFactory(key="level", data_type="TEXT")
    assert rule_matches(doc, {"level": "10.0"}, now=NOWS["evening"]) is False
    AttributeDefinition.objects.filter(key="level").delete()
    AttributeDefinitionFactory(key="level", data_type="NUMBER")
    assert rule_matches(doc, {"level": "10.0"}, now=NOWS["evening"]) is True


def test_relative_operators_are_the_registrys_windows():
    assert RELATIVE_OPERATORS == {
        "is_today",
        "will_be_in",
        "will_be_within",
        "will_be_more_than",
        "was",
        "was_within",
        "was_more_than",
    }
    assert all(OPERATORS[name].window is not None for name in RELATIVE_OPERATORS)
