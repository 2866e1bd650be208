"""The condition machinery: every operator of every data type, compiled to SQL and run on the
database (SQLite or PostgreSQL, whichever the suite runs on), with "now" passed in."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from people import services
from people.conditions import OPERATORS, RulesInvalid, compile_rules, operators_for, validate_rules
from people.models import Person, Segment
from tests.factories import AttributeDefinitionFactory, CompanyFactory, SegmentFactory, TagFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# 23:30 UTC: already the 11th in Brussels (UTC+1), still the 10th in UTC and New York (UTC-4).
NOW = dt.datetime(2025, 3, 10, 23, 30, tzinfo=UTC)


def matching(rules: dict, *, now: dt.datetime = NOW) -> set[str]:
    return {p.first_name for p in Person.objects.filter(compile_rules(rules, now=now))}


def cond(attribute: str, operator: str, value=None) -> dict:
    rule = {"attribute": attribute, "operator": operator}
    if value is not None:
        rule["value"] = value
    return {"op": "and", "rules": [rule]}


def rel(attribute: str, value) -> dict:
    """A "was within" condition: the relative date operator the validation cases use."""
    return {"attribute": attribute, "operator": "was_within", "value": value}


def person(name: str, *, tz: str = "UTC", attributes: dict | None = None, **fields) -> Person:
    p = services.person_create(first_name=name, timezone=tz, **fields)
    if attributes:
        services.person_set_attributes(person=p, values=attributes)
    return p


# --- the operator table is the seed's ----------------------------------------------------------


def test_operator_table_is_exactly_the_seeds():
    table = {t: [op.name for op in operators_for(t)] for t in ["BOOLEAN", "TEXT", "NUMBER", "DATE", "LIST"]}
    relative = ["is_today", "will_be_in", "will_be_within", "will_be_more_than", "was", "was_within"]
    assert table == {
        "BOOLEAN": ["is", "is_not", "is_empty"],
        "TEXT": [
            "is",
            "is_not",
            "contains",
            "not_contains",
            "starts_with",
            "ends_with",
            "is_empty",
            "is_not_empty",
        ],
        "NUMBER": ["is", "is_not", "lt", "lte", "gte", "gt", "is_empty", "is_not_empty"],
        "DATE": ["is", "is_not", "before", "until", "since", "after", "is_empty", "is_not_empty", *relative]
        + ["was_more_than"],
        "LIST": ["contains", "not_contains", "is_empty"],
    }
    assert [op.name for op in operators_for("DATETIME")] == table["DATE"]
    assert [op.name for op in operators_for("tag")] == ["has", "has_not"]
    assert [op.name for op in operators_for("segment")] == ["in", "not_in"]
    assert set(OPERATORS) >= {"has", "in", "not_in"}


# --- scalar and list operators -----------------------------------------------------------------


@pytest.fixture
def crowd():
    AttributeDefinitionFactory(key="city", data_type="TEXT")
    AttributeDefinitionFactory(key="vip", data_type="BOOLEAN")
    AttributeDefinitionFactory(key="score", data_type="NUMBER", number_kind="decimal")
    AttributeDefinitionFactory(key="visits", data_type="NUMBER", number_kind="whole")
    AttributeDefinitionFactory(key="interests", data_type="LIST")
    AttributeDefinitionFactory(key="renewal", data_type="DATE")
    AttributeDefinitionFactory(key="last_seen", data_type="DATETIME")
    person(
        "Ada",
        last_name="Lovelace",
        email="Ada@Example.com",
        opt_in=True,
        attributes={
            "city": "Brussels",
            "vip": True,
            "score": "4.5",
            "visits": 3,
            "interests": ["Golf", "Tennis"],
            "renewal": "2025-03-10",
            "last_seen": "2025-03-10T08:00:00Z",
        },
    )
    person(
        "Bob",
        tz="Europe/Brussels",
        email="bob@corp.example.org",
        attributes={
            "city": "Brussels-North",
            "vip": False,
            "score": 10,
            "visits": 0,
            "interests": ["chess"],
            "renewal": "2025-03-11",
            "last_seen": "2025-03-11T00:15:00+01:00",
        },
    )
    person("", tz="America/New_York")  # nothing set: every attribute is empty
    person("Dee", attributes={"city": "Antwerp", "score": -2, "renewal": "2025-03-01"})


EVERYONE = {"Ada", "Bob", "", "Dee"}


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "expected"),
    [
        # TEXT (custom): case is ignored
        ("city", "is", "brussels", {"Ada"}),
        ("city", "is_not", "BRUSSELS", {"Bob", "", "Dee"}),
        ("city", "contains", "SSEL", {"Ada", "Bob"}),
        ("city", "not_contains", "ssel", {"", "Dee"}),
        ("city", "starts_with", "brus", {"Ada", "Bob"}),
        ("city", "ends_with", "NORTH", {"Bob"}),
        ("city", "ends_with", "%", set()),  # LIKE wildcards are matched literally
        ("city", "is_empty", None, {""}),
        ("city", "is_not_empty", None, {"Ada", "Bob", "Dee"}),
        # TEXT (standard): "" and NULL are both empty
        ("first_name", "is", "ADA", {"Ada"}),
        ("first_name", "is_empty", None, {""}),
        ("email", "is", "ada@example.COM", {"Ada"}),
        ("email", "ends_with", ".ORG", {"Bob"}),
        ("email", "is_empty", None, {"", "Dee"}),
        ("email", "is_not_empty", None, {"Ada", "Bob"}),
        ("last_name", "is_not", "lovelace", {"Bob", "", "Dee"}),
        ("timezone", "is", "europe/brussels", {"Bob"}),
        # BOOLEAN
        ("vip", "is", True, {"Ada"}),
        ("vip", "is", False, {"Bob"}),
        ("vip", "is_not", True, {"Bob", "", "Dee"}),
        ("vip", "is_empty", None, {"", "Dee"}),
        ("opt_in", "is", True, {"Ada"}),
        ("opt_in", "is_not", True, {"Bob", "", "Dee"}),
        ("opt_in", "is_empty", None, set()),
        # NUMBER, decimal and whole; numeric strings are numbers
        ("score", "is", 4.5, {"Ada"}),
        ("score", "is", "10", {"Bob"}),
        ("score", "is_not", 10, {"Ada", "", "Dee"}),
        ("score", "lt", "4.5", {"Dee"}),
        ("score", "lte", 4.5, {"Ada", "Dee"}),
        ("score", "gte", 4.5, {"Ada", "Bob"}),
        ("score", "gt", 4.5, {"Bob"}),
        ("score", "gt", -100, {"Ada", "Bob", "Dee"}),
        ("score", "is_empty", None, {""}),
        ("score", "is_not_empty", None, {"Ada", "Bob", "Dee"}),
        ("visits", "is", 0, {"Bob"}),
        ("visits", "gte", 1, {"Ada"}),
        ("visits", "lt", 2.5, {"Bob"}),
        # LIST: membership, ignoring case
        ("interests", "contains", "golf", {"Ada"}),
        ("interests", "contains", "CHESS", {"Bob"}),
        ("interests", "contains", "gol", set()),  # an item, not a substring
        ("interests", "not_contains", "golf", {"Bob", "", "Dee"}),
        ("interests", "is_empty", None, {"", "Dee"}),
        # DATE (absolute)
        ("renewal", "is", "2025-03-10", {"Ada"}),
        ("renewal", "is_not", "2025-03-10", {"Bob", "", "Dee"}),
        ("renewal", "before", "2025-03-10", {"Dee"}),
        ("renewal", "until", "2025-03-10", {"Ada", "Dee"}),
        ("renewal", "since", "2025-03-10", {"Ada", "Bob"}),
        ("renewal", "after", "2025-03-10", {"Bob"}),
        ("renewal", "is_empty", None, {""}),
        ("renewal", "is_not_empty", None, {"Ada", "Bob", "Dee"}),
        # DATETIME (absolute, instants in any offset)
        ("last_seen", "is", "2025-03-10T09:00:00+01:00", {"Ada"}),
        ("last_seen", "before", "2025-03-10T23:15:00Z", {"Ada"}),
        ("last_seen", "until", "2025-03-11T00:15:00+01:00", {"Ada", "Bob"}),
        ("last_seen", "since", "2025-03-10T23:15:00Z", {"Bob"}),
        ("last_seen", "after", "2025-03-10T08:00:00Z", {"Bob"}),
        ("last_seen", "is_empty", None, {"", "Dee"}),
        # "today" is today in each person's timezone: the 11th for Bob (Brussels), the 10th for Ada
        ("renewal", "is_today", None, {"Ada", "Bob"}),
        ("last_seen", "is_today", None, {"Ada", "Bob"}),
        ("renewal", "was", 9, {"Dee"}),
    ],
)
def test_operator(crowd, attribute, operator, value, expected):
    assert matching(cond(attribute, operator, value)) == expected


def test_negative_operators_are_exact_complements(crowd):
    pairs = [
        ("is", "is_not", "brussels"),
        ("contains", "not_contains", "ssel"),
        ("is_empty", "is_not_empty", None),
    ]
    for positive, negative, value in pairs:
        yes, no = matching(cond("city", positive, value)), matching(cond("city", negative, value))
        assert yes | no == EVERYONE and not yes & no


# --- relative dates: day windows and day boundaries ---------------------------------------------

OFFSETS = {"m10": -10, "m3": -3, "m1": -1, "d0": 0, "p1": 1, "p3": 3, "p10": 10}


@pytest.mark.parametrize(
    ("operator", "days", "expected"),
    [
        ("is_today", None, {"d0"}),
        ("will_be_in", 0, {"d0"}),
        ("will_be_in", 3, {"p3"}),
        ("will_be_within", 3, {"d0", "p1", "p3"}),
        ("will_be_more_than", 3, {"p10"}),
        ("was", 0, {"d0"}),
        ("was", 3, {"m3"}),
        ("was_within", 3, {"m3", "m1", "d0"}),
        ("was_more_than", 3, {"m10"}),
        ("was_more_than", 0, {"m10", "m3", "m1"}),
        ("will_be_more_than", 0, {"p1", "p3", "p10"}),
    ],
)
@pytest.mark.parametrize("tz", ["UTC", "Europe/Brussels", "America/New_York", "Pacific/Kiritimati"])
@pytest.mark.parametrize("data_type", ["DATE", "DATETIME_START", "DATETIME_END"])
def test_relative_date_operators(data_type, tz, operator, days, expected):
    """Each person's value is k days from today in their own zone, at the first or last second of
    that local day for DATETIME: the windows must include both ends of every day."""
    AttributeDefinitionFactory(key="when", data_type="DATETIME" if data_type != "DATE" else "DATE")
    zone = ZoneInfo(tz)
    today = NOW.astimezone(zone).date()
    for name, k in OFFSETS.items():
        day = today + dt.timedelta(days=k)
        if data_type == "DATE":
            value = day.isoformat()
        else:
            moment = dt.datetime.combine(
                day, dt.time.min if data_type == "DATETIME_START" else dt.time.max, zone
            )
            value = moment.replace(microsecond=0).isoformat()
        person(name, tz=tz, attributes={"when": value})
    person("nothing", tz=tz)

    assert matching(cond("when", operator, days)) == expected


# --- relative dates: minutes and hours are instants around now ------------------------------------

# Seconds from NOW of each person's value, in units of the condition (a minute or an hour).
MOMENTS = {
    "m11": -11 * 60,
    "m10": -10 * 60,  # exactly N units ago
    "m9": -9 * 60,
    "now": 0,
    "p10": 10 * 60,  # exactly N units ahead
    "p10_30": 10 * 60 + 30,
    "p11": 11 * 60,
}


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("will_be_in", {"p10", "p10_30"}),  # [now+10, now+11)
        ("will_be_within", {"now", "p10"}),  # [now, now+10]
        ("will_be_more_than", {"p10_30", "p11"}),  # (now+10, ∞)
        ("was", {"m10"}),  # (now-11, now-10]
        ("was_within", {"m10", "m9", "now"}),  # [now-10, now]
        ("was_more_than", {"m11"}),  # (-∞, now-10)
    ],
)
@pytest.mark.parametrize(("unit", "scale"), [("minutes", 1), ("hours", 60)])
@pytest.mark.parametrize("attribute", ["seen", "created_at"])
def test_minutes_and_hours_are_instant_windows(attribute, unit, scale, operator, expected):
    """10 minutes (hours) from now, whatever the person's timezone: values exactly on each bound."""
    AttributeDefinitionFactory(key="seen", data_type="DATETIME")
    for i, (name, seconds) in enumerate(MOMENTS.items()):
        moment = NOW + dt.timedelta(seconds=seconds * scale)
        p = person(name, tz=["UTC", "Europe/Brussels", "Pacific/Kiritimati"][i % 3])
        if attribute == "seen":
            services.person_set_attributes(person=p, values={"seen": moment.isoformat()})
        else:
            Person.objects.filter(pk=p.pk).update(created_at=moment)
    if attribute == "seen":
        person("nothing")

    assert matching(cond(attribute, operator, {"amount": 10, "unit": unit})) == expected


@pytest.mark.parametrize(
    ("operator", "amount", "expected"),
    [
        ("will_be_in", 1, {"p7"}),
        ("will_be_within", 1, {"d0", "p1", "p7"}),
        ("will_be_more_than", 1, {"p8", "p14"}),
        ("was", 1, {"m7"}),
        ("was", 0, {"d0"}),
        ("was_within", 1, {"m7", "d0"}),
        ("was_more_than", 1, {"m8"}),
        ("will_be_within", 2, {"d0", "p1", "p7", "p8", "p14"}),
    ],
)
@pytest.mark.parametrize("data_type", ["DATE", "DATETIME"])
def test_weeks_are_seven_days(data_type, operator, amount, expected):
    AttributeDefinitionFactory(key="when", data_type=data_type)
    zone = ZoneInfo("Europe/Brussels")
    today = NOW.astimezone(zone).date()
    for name, k in {"m8": -8, "m7": -7, "d0": 0, "p1": 1, "p7": 7, "p8": 8, "p14": 14}.items():
        day = today + dt.timedelta(days=k)
        value = (
            day.isoformat()
            if data_type == "DATE"
            else dt.datetime.combine(day, dt.time(12), zone).isoformat()
        )
        person(name, tz="Europe/Brussels", attributes={"when": value})
    person("nothing", tz="Europe/Brussels")

    weeks = matching(cond("when", operator, {"amount": amount, "unit": "weeks"}))
    days = matching(cond("when", operator, {"amount": 7 * amount, "unit": "days"}))

    assert weeks == days == expected


def test_a_bare_number_is_a_number_of_days():
    AttributeDefinitionFactory(key="renewal", data_type="DATE")
    for k in range(-4, 5):
        person(f"d{k}", attributes={"renewal": (NOW.date() + dt.timedelta(days=k)).isoformat()})

    for operator in [
        "will_be_in",
        "will_be_within",
        "will_be_more_than",
        "was",
        "was_within",
        "was_more_than",
    ]:
        bare = matching(cond("renewal", operator, 2))
        assert bare == matching(cond("renewal", operator, {"amount": 2, "unit": "days"})), operator
        assert bare, operator


def test_day_boundary_follows_each_persons_timezone():
    AttributeDefinitionFactory(key="seen", data_type="DATETIME")
    # Brussels' 11 March starts at 23:00 UTC on the 10th.
    person("brussels_first_second", tz="Europe/Brussels", attributes={"seen": "2025-03-10T23:00:00Z"})
    person("brussels_yesterday", tz="Europe/Brussels", attributes={"seen": "2025-03-10T22:59:59Z"})
    person("utc_same_instant", tz="UTC", attributes={"seen": "2025-03-10T23:00:00Z"})
    person("new_york_evening", tz="America/New_York", attributes={"seen": "2025-03-11T03:00:00Z"})
    person("utc_tomorrow", tz="UTC", attributes={"seen": "2025-03-11T03:00:00Z"})

    assert matching(cond("seen", "is_today")) == {
        "brussels_first_second",
        "utc_same_instant",
        "new_york_evening",
    }
    assert matching(cond("seen", "was", 1)) == {"brussels_yesterday"}
    assert matching(cond("seen", "will_be_in", 1)) == {"utc_tomorrow"}
    # At 22:59 UTC it is still the 10th in Brussels: the boundary moves with "now".
    earlier = NOW - dt.timedelta(minutes=31)
    assert matching(cond("seen", "is_today"), now=earlier) == {
        "brussels_yesterday",
        "utc_same_instant",
        "new_york_evening",
    }


@pytest.mark.parametrize(
    ("now", "birth_date", "operator", "days", "matches"),
    [
        (NOW, "1990-03-10", "is_today", None, True),
        (NOW, "1990-03-11", "is_today", None, False),
        (NOW, "1985-03-11", "will_be_in", 1, True),
        (NOW, "1985-03-09", "was", 1, True),
        (NOW, "1985-03-09", "was_within", 1, True),
        (NOW, "1985-03-09", "was_more_than", 1, False),
        (NOW, "1985-03-01", "was_more_than", 1, True),
        (NOW, "1985-03-20", "will_be_within", 10, True),
        (NOW, "1985-03-21", "will_be_within", 10, False),
        (NOW, "1985-03-21", "will_be_more_than", 10, True),
        (NOW, "1985-03-17", "will_be_in", {"amount": 1, "unit": "weeks"}, True),
        (NOW, "1985-03-18", "will_be_within", {"amount": 1, "unit": "weeks"}, False),
        (NOW, "1985-03-03", "was", {"amount": 1, "unit": "weeks"}, True),
        # across the new year
        (dt.datetime(2025, 12, 30, 12, tzinfo=UTC), "1990-01-02", "will_be_within", 5, True),
        (dt.datetime(2025, 12, 30, 12, tzinfo=UTC), "1990-01-02", "will_be_more_than", 5, False),
        (dt.datetime(2026, 1, 2, 12, tzinfo=UTC), "1990-12-29", "was", 4, True),
        # 29 February is celebrated on 28 February in other years
        (dt.datetime(2025, 2, 28, 12, tzinfo=UTC), "2000-02-29", "is_today", None, True),
        (dt.datetime(2024, 2, 28, 12, tzinfo=UTC), "2000-02-29", "is_today", None, False),
        (dt.datetime(2024, 2, 28, 12, tzinfo=UTC), "2000-02-29", "will_be_in", 1, True),
        (dt.datetime(2025, 3, 1, 12, tzinfo=UTC), "2000-02-29", "is_today", None, False),
        # the absolute operators still compare the date itself
        (NOW, "1990-03-10", "before", "1990-03-11", True),
    ],
)
def test_birth_date_relative_operators_are_birthdays(now, birth_date, operator, days, matches):
    person("Birthday", birth_date=dt.date.fromisoformat(birth_date))
    person("Unknown")
    assert matching(cond("birth_date", operator, days), now=now) == ({"Birthday"} if matches else set())


def test_birthday_is_today_in_the_persons_timezone():
    person("Brussels", tz="Europe/Brussels", birth_date=dt.date(1990, 3, 11))
    person("London", tz="Europe/London", birth_date=dt.date(1990, 3, 11))
    assert matching(cond("birth_date", "is_today")) == {"Brussels"}


# --- tags, companies, groups, segments ---------------------------------------------------------


@pytest.fixture
def org():
    vip, acme = TagFactory(name="vip"), CompanyFactory(name="Acme")
    ada = person("Ada", company=acme, tags=[vip], opt_in=True)
    person("Bob", company=acme)
    person("Cy", tags=[vip])
    person("Dee", opt_in=True)
    return {"vip": vip.pk, "acme": acme.pk, "ada": ada}


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ({"op": "and", "rules": [{"tag": "vip", "operator": "has"}]}, {"Ada", "Cy"}),
        ({"op": "and", "rules": [{"tag": "vip", "operator": "has_not"}]}, {"Bob", "Dee"}),
        ({"op": "and", "rules": [{"company": "acme", "operator": "in"}]}, {"Ada", "Bob"}),
        ({"op": "and", "rules": [{"company": "acme", "operator": "not_in"}]}, {"Cy", "Dee"}),
        (
            {
                "op": "and",
                "rules": [{"tag": "vip", "operator": "has"}, {"company": "acme", "operator": "in"}],
            },
            {"Ada"},
        ),
        (
            {"op": "or", "rules": [{"tag": "vip", "operator": "has"}, {"company": "acme", "operator": "in"}]},
            {"Ada", "Bob", "Cy"},
        ),
        (  # (vip AND NOT acme) OR (opt-in AND (acme OR first name is dee))
            {
                "op": "or",
                "rules": [
                    {
                        "op": "and",
                        "rules": [
                            {"tag": "vip", "operator": "has"},
                            {"company": "acme", "operator": "not_in"},
                        ],
                    },
                    {
                        "op": "and",
                        "rules": [
                            {"attribute": "opt_in", "operator": "is", "value": True},
                            {
                                "op": "or",
                                "rules": [
                                    {"company": "acme", "operator": "in"},
                                    {"attribute": "first_name", "operator": "is", "value": "dee"},
                                ],
                            },
                        ],
                    },
                ],
            },
            {"Cy", "Ada", "Dee"},
        ),
        ({"op": "and", "rules": []}, {"Ada", "Bob", "Cy", "Dee"}),
        ({"op": "or", "rules": []}, set()),
    ],
)
def test_tags_companies_and_nested_groups(org, rules, expected):
    def resolve(node):
        node = dict(node)
        for key in ("tag", "company"):
            if key in node:
                node[key] = org[node[key]]
        if "rules" in node:
            node["rules"] = [resolve(child) for child in node["rules"]]
        return node

    assert matching(resolve(rules)) == expected


def test_segment_in_segment(org):
    vips = SegmentFactory(rules={"op": "and", "rules": [{"tag": org["vip"], "operator": "has"}]})
    opted = SegmentFactory(
        rules={
            "op": "and",
            "rules": [
                {"segment": vips.pk, "operator": "in"},
                {"attribute": "opt_in", "operator": "is", "value": True},
            ],
        }
    )

    assert matching({"op": "and", "rules": [{"segment": opted.pk, "operator": "in"}]}) == {"Ada"}
    assert matching({"op": "and", "rules": [{"segment": opted.pk, "operator": "not_in"}]}) == {
        "Bob",
        "Cy",
        "Dee",
    }
    # a segment's members follow changes to the segments it refers to
    vips.rules = {"op": "and", "rules": [{"attribute": "opt_in", "operator": "is", "value": True}]}
    vips.save()
    assert matching({"op": "and", "rules": [{"segment": opted.pk, "operator": "in"}]}) == {"Ada", "Dee"}


def test_a_segment_cannot_refer_to_itself_directly_or_through_others(org):
    a = services.segment_create(name="A", rules={"op": "and", "rules": []})
    b = services.segment_create(name="B", rules={"op": "and", "rules": [{"segment": a.pk, "operator": "in"}]})
    c = services.segment_create(
        name="C", rules={"op": "or", "rules": [{"segment": b.pk, "operator": "not_in"}]}
    )

    for rules in (
        {"op": "and", "rules": [{"segment": a.pk, "operator": "in"}]},
        {"op": "and", "rules": [{"op": "or", "rules": [{"segment": c.pk, "operator": "in"}]}]},
    ):
        with pytest.raises(RulesInvalid) as caught:
            services.segment_update(segment=a, rules=rules)
        assert "cycle" in caught.value.errors[0].message
    a.refresh_from_db()
    assert a.rules == {"op": "and", "rules": []}


def test_a_stored_cycle_is_refused_when_compiled_not_looped_forever(org):
    a = SegmentFactory()
    b = SegmentFactory(rules={"op": "and", "rules": [{"segment": a.pk, "operator": "in"}]})
    Segment.objects.filter(pk=a.pk).update(
        rules={"op": "and", "rules": [{"segment": b.pk, "operator": "in"}]}
    )

    with pytest.raises(RulesInvalid, match="refers to itself"):
        compile_rules({"op": "and", "rules": [{"segment": a.pk, "operator": "in"}]}, now=NOW)


def test_counting_a_segment_is_a_few_queries_whatever_the_number_of_persons(
    org, django_assert_max_num_queries
):
    AttributeDefinitionFactory(key="renewal", data_type="DATE")
    for i in range(30):
        person(
            f"P{i}", tz=["UTC", "Europe/Brussels", "Asia/Tokyo"][i % 3], attributes={"renewal": "2025-03-11"}
        )
    rules = {
        "op": "or",
        "rules": [
            {"attribute": "renewal", "operator": "is_today"},
            {
                "op": "and",
                "rules": [
                    {"tag": org["vip"], "operator": "has"},
                    {"attribute": "email", "operator": "contains", "value": "x"},
                ],
            },
        ],
    }
    # definitions, timezones, the count: nothing per person
    with django_assert_max_num_queries(3):
        count = Person.objects.filter(compile_rules(rules, now=NOW)).count()
    assert count == 20  # Brussels and Tokyo are on the 11th


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "path", "message"),
    [
        ([], "(root)", "must be an object"),
        ({"op": "xor", "rules": []}, "op", 'Must be "and" or "or"'),
        ({"op": "and"}, "rules", "Must be a list"),
        ({"op": "and", "rules": [], "extra": 1}, "extra", "Unknown key"),
        ({"op": "and", "rules": ["x"]}, "rules[0]", "must be an object"),
        ({"op": "and", "rules": [{"operator": "is"}]}, "rules[0]", "exactly one of"),
        (
            {"op": "and", "rules": [{"attribute": "nope", "operator": "is", "value": "x"}]},
            "rules[0].attribute",
            "Unknown attribute 'nope'",
        ),
        (
            {"op": "and", "rules": [{"attribute": "city", "operator": "lt", "value": 3}]},
            "rules[0].operator",
            "not allowed 'lt' for TEXT",
        ),
        (
            {"op": "and", "rules": [{"attribute": "city", "operator": "like", "value": 3}]},
            "rules[0].operator",
            "Unknown operator 'like'",
        ),
        (
            {"op": "and", "rules": [{"attribute": "score", "operator": "gt", "value": "abc"}]},
            "rules[0].value",
            "Must be a number",
        ),
        (
            {"op": "and", "rules": [{"attribute": "score", "operator": "gt"}]},
            "rules[0].value",
            "needs a value",
        ),
        (
            {"op": "and", "rules": [{"attribute": "city", "operator": "is", "value": "  "}]},
            "rules[0].value",
            "use is_empty",
        ),
        (
            {"op": "and", "rules": [{"attribute": "city", "operator": "is_empty", "value": "x"}]},
            "rules[0].value",
            "takes no value",
        ),
        (
            {"op": "and", "rules": [{"attribute": "renewal", "operator": "is", "value": "10/03/2025"}]},
            "rules[0].value",
            "YYYY-MM-DD",
        ),
        (
            {
                "op": "and",
                "rules": [{"attribute": "created_at", "operator": "after", "value": "2025-03-10T10:00:00"}],
            },
            "rules[0].value",
            "offset",
        ),
        (
            {"op": "and", "rules": [{"attribute": "renewal", "operator": "was", "value": -1}]},
            "rules[0].value",
            "whole number of days",
        ),
        (
            {"op": "and", "rules": [{"attribute": "renewal", "operator": "was", "value": True}]},
            "rules[0].value",
            "whole number of days",
        ),
        (
            {"op": "and", "rules": [{"attribute": "renewal", "operator": "was"}]},
            "rules[0].value",
            "needs a value",
        ),
        (
            {"op": "and", "rules": [rel("renewal", {"amount": 3, "unit": "hours"})]},
            "rules[0].value.unit",
            "Use days or weeks for a date attribute; minutes and hours need a date-time attribute.",
        ),
        (
            {"op": "and", "rules": [rel("birth_date", {"amount": 3, "unit": "minutes"})]},
            "rules[0].value.unit",
            "minutes and hours need a date-time attribute",
        ),
        (
            {"op": "and", "rules": [rel("created_at", {"amount": 3, "unit": "seconds"})]},
            "rules[0].value.unit",
            "Must be one of: minutes, hours, days, weeks; not 'seconds'.",
        ),
        (
            {"op": "and", "rules": [rel("created_at", {"amount": 876001, "unit": "hours"})]},
            "rules[0].value.amount",
            "Must be a whole number of hours from 0 to 876000.",
        ),
        (
            {"op": "and", "rules": [rel("created_at", {"amount": 5215, "unit": "weeks"})]},
            "rules[0].value.amount",
            "from 0 to 5214",
        ),
        (
            {"op": "and", "rules": [rel("created_at", {"amount": 1.5, "unit": "hours"})]},
            "rules[0].value.amount",
            "whole number of hours",
        ),
        (
            {"op": "and", "rules": [rel("created_at", {"amount": 1, "unit": "days", "ago": True})]},
            "rules[0].value.ago",
            "Unknown key in a duration",
        ),
        (
            {"op": "and", "rules": [rel("created_at", "3 days")]},
            "rules[0].value",
            "whole number of days",
        ),
        (
            {"op": "and", "rules": [{"attribute": "vip", "operator": "is", "value": "yes"}]},
            "rules[0].value",
            "true or false",
        ),
        ({"op": "and", "rules": [{"tag": 999999, "operator": "has"}]}, "rules[0].tag", "does not exist"),
        (
            {"op": "and", "rules": [{"company": "acme", "operator": "in"}]},
            "rules[0].company",
            "id of a company",
        ),
        (
            {"op": "and", "rules": [{"segment": 999999, "operator": "in"}]},
            "rules[0].segment",
            "does not exist",
        ),
        (
            {
                "op": "and",
                "rules": [{"op": "or", "rules": [{"attribute": "city", "operator": "gt", "value": 1}]}],
            },
            "rules[0].rules[0].operator",
            "TEXT",
        ),
    ],
)
def test_invalid_rules_are_explained(rules, path, message):
    for key, data_type in [("city", "TEXT"), ("score", "NUMBER"), ("renewal", "DATE"), ("vip", "BOOLEAN")]:
        AttributeDefinitionFactory(key=key, data_type=data_type)

    errors = validate_rules(rules)

    assert errors, "expected an error"
    assert (errors[0].path, message.lower() in errors[0].message.lower()) == (path, True), errors
    if "does not exist" in message:
        # Compiling a stored segment is lenient: a tag or segment deleted since matches nobody.
        assert not Person.objects.filter(compile_rules(rules, now=NOW)).exists()
    else:
        with pytest.raises(RulesInvalid):
            compile_rules(rules, now=NOW)


def test_all_errors_are_reported_at_once():
    errors = validate_rules(
        {
            "op": "and",
            "rules": [
                {"attribute": "nope", "operator": "is"},
                {"attribute": "email", "operator": "gt", "value": 1},
            ],
        }
    )
    assert [e.path for e in errors] == ["rules[0].attribute", "rules[1].operator"]


def test_operator_not_allowed_lists_the_allowed_ones():
    [error] = validate_rules(
        {"op": "and", "rules": [{"attribute": "opt_in", "operator": "contains", "value": "x"}]}
    )
    assert (
        error.message
        == "Operator not allowed 'contains' for BOOLEAN attributes; use one of: is, is_not, is_empty."
    )


def test_now_must_be_timezone_aware():
    with pytest.raises(ValueError, match="aware"):
        compile_rules({"op": "and", "rules": []}, now=dt.datetime(2025, 3, 10))


def test_tag_conditions_take_tag_operators():
    tag = TagFactory()
    [error] = validate_rules({"op": "and", "rules": [{"tag": tag.pk, "operator": "in"}]})
    assert (error.path, error.message) == (
        "rules[0].operator",
        "Operator not allowed 'in' for tag conditions; use one of: has, has_not.",
    )
