"""People reads: attribute values as the API shows them, who is in a segment, a person's timeline."""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from flowdesigner.params import parse_id
from people.attributes import STANDARD_ATTRIBUTES, AttributeValueError, normalise_phone, to_json
from people.compiled import CompiledQuery
from people.conditions import RulesInvalid, compile_rules
from people.models import AttributeValue, Person, Segment
from people.timeline import TimelineEntry, person_timeline  # noqa: F401 (reads go through selectors)

COLUMNS = {
    "BOOLEAN": "value_bool",
    "TEXT": "value_text",
    "NUMBER": "value_number",
    "DATE": "value_date",
    "DATETIME": "value_datetime",
    "LIST": "value_list",
}


def attribute_value_json(value: AttributeValue) -> Any:
    definition = value.definition
    raw = getattr(value, COLUMNS[definition.data_type])
    return to_json(definition.data_type, raw, number_kind=definition.number_kind)


def person_attributes(person: Person) -> dict[str, Any]:
    """{key: value} of the person's custom attributes that have a value, JSON-ready.

    Uses `attribute_values` prefetched with their definitions when the caller prefetched them.
    """
    values = person.attribute_values.all()
    if "attribute_values" not in getattr(person, "_prefetched_objects_cache", {}):
        values = values.select_related("definition")
    return {v.definition.key: attribute_value_json(v) for v in sorted(values, key=lambda v: v.definition.key)}


def rules_persons(
    rules: Any, *, now: dt.datetime | None = None, segment_id: int | None = None
) -> QuerySet[Person]:
    """The persons matching a rule document now (raises RulesInvalid for an invalid document)."""
    q = compile_rules(rules, now=now or timezone.now(), segment_id=segment_id)
    return Person.objects.filter(q).order_by("pk")


def segment_persons(segment: Segment, *, now: dt.datetime | None = None) -> QuerySet[Person]:
    """The persons in a segment at `now` (default: the current time); usable as a launch audience.

    The result is one query evaluated by the database; iterate it in batches (it is ordered by pk).
    """
    return rules_persons(segment.rules, now=now, segment_id=segment.pk)


# "Created via" filter: value -> (label, prefix of Person.created_via); blank created_via is "by hand".
CREATED_VIA = {
    "sftp": ("SFTP import", "sftp:"),
    "flow_api": ("Flow API", "flow api:"),
    "hand": ("By hand, People API or CSV import", ""),
}


def persons_filtered(
    *, search: str = "", tag: str = "", company: str = "", segment: str = "", via: str = ""
) -> QuerySet[Person]:
    """Persons filtered as the People page and the list API do: search (name, email, phone), a tag
    id, a company id ("none" = without company), a segment id and how they were created (`via`: a key of
    CREATED_VIA). Unusable ids (not ASCII digits, or beyond any database id) and unknown `via` values
    match nobody."""
    persons = Person.objects.order_by("id")
    search = search.strip()
    if search:
        persons = persons.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
        )
    if tag:
        tag_id = parse_id(tag)
        if tag_id is None:
            return persons.none()
        persons = persons.filter(pk__in=Person.tags.through.objects.filter(tag_id=tag_id).values("person_id"))
    if company == "none":
        persons = persons.filter(company__isnull=True)
    elif company:
        company_id = parse_id(company)
        if company_id is None:
            return persons.none()
        persons = persons.filter(company_id=company_id)
    if segment:
        segment_id = parse_id(segment)
        found = Segment.objects.filter(pk=segment_id).first() if segment_id is not None else None
        if found is None:
            return persons.none()
        try:
            persons = persons.filter(pk__in=segment_persons(found).values("pk"))
        except RulesInvalid:
            return persons.none()
    if via:
        if via not in CREATED_VIA:
            return persons.none()
        prefix = CREATED_VIA[via][1]
        persons = persons.filter(created_via__startswith=prefix) if prefix else persons.filter(created_via="")
    return persons


def _snapshot_rows(persons: Q) -> QuerySet:
    """The persons' rows for their snapshots: one row per tag (the person's row joined to their tags),
    so the tags cost no query of their own."""
    return Person.objects.filter(persons).values(
        "pk", "company_id", "company__name", "tags__id", "tags__name", *STANDARD_ATTRIBUTES
    )


_COLUMNS = sorted(set(COLUMNS.values()))


def _attribute_values(values: Q) -> QuerySet:
    """The custom attribute values for snapshots: person id, key, data type, number kind, then one
    column per value column (`_COLUMNS`)."""
    return AttributeValue.objects.filter(values).values_list(
        "person_id", "definition__key", "definition__data_type", "definition__number_kind", *_COLUMNS
    )


_SNAPSHOT_ROWS = CompiledQuery(lambda person_id: _snapshot_rows(Q(pk=person_id)))
_ATTRIBUTE_VALUES = CompiledQuery(lambda person_id: _attribute_values(Q(person_id=person_id)))


def person_snapshots(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a flow sees of each person (templates, conditions, waits), keyed by id: the standard
    attributes and every custom attribute as JSON values (custom keys never shadow standard ones), plus
    "tags" (names), "tag_ids", "company" (name or None) and "company_id". Two queries for any number of
    persons, reading plain rows (no model instances: triggers ask this on every change)."""
    standard = list(STANDARD_ATTRIBUTES.items())
    # One person (an answer, a trigger on one person's change) takes the queries compiled once.
    single = len(person_ids) == 1
    rows = _SNAPSHOT_ROWS.run(*person_ids) if single else _snapshot_rows(Q(pk__in=person_ids))
    snapshots: dict[int, dict[str, Any]] = {}
    for row in rows:
        snapshot = snapshots.get(row["pk"])
        if snapshot is None:
            snapshot = {"id": row["pk"]}
            for key, attribute in standard:
                snapshot[key] = to_json(attribute.data_type, row[key])
            snapshot.update(tags=[], tag_ids=[], company=row["company__name"], company_id=row["company_id"])
            snapshots[row["pk"]] = snapshot
        if row["tags__id"] is not None:
            snapshot["tags"].append((row["tags__name"], row["tags__id"]))
    for snapshot in snapshots.values():
        tags = sorted(snapshot["tags"])
        snapshot["tags"], snapshot["tag_ids"] = [name for name, _ in tags], [tag_id for _, tag_id in tags]
    if not snapshots:
        return snapshots
    if single:
        values = _ATTRIBUTE_VALUES.run(*person_ids)
    else:
        values = _attribute_values(Q(person_id__in=snapshots))
    for person_id, key, data_type, number_kind, *raw in values:
        value = raw[_COLUMNS.index(COLUMNS[data_type])]
        snapshots[person_id].setdefault(key, to_json(data_type, value, number_kind=number_kind))
    return snapshots


def person_matches(person_id: int, rules: Any, *, now: dt.datetime) -> bool:
    """Whether one person matches a rule document at `now` (one query)."""
    return (
        Person.objects.filter(pk=person_id)
        .filter(compile_rules(rules, now=now, person_id=person_id))
        .exists()
    )


def person_find(identifier: str) -> Person | None:
    """A person by email (any case), phone (any notation that normalises to the same E.164) or external
    id."""
    identifier = identifier.strip()
    if not identifier:
        return None
    try:
        phone = normalise_phone(identifier)
    except AttributeValueError:
        phone = None
    match = Q(email__iexact=identifier) | Q(external_id=identifier)
    if phone:
        match |= Q(phone=phone)
    return Person.objects.filter(match).order_by("pk").first()
