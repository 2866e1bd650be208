"""Events: definitions with typed properties, and batch ingestion with idempotency keys.

An integrator POSTs up to MAX_BATCH events at a time (people.api.events). Each one is checked on its
own (its definition, its person, the type of every property) and the valid ones are stored even when
others fail; every event carries an idempotency key, unique across all events, so a retried request
stores nothing twice. Property values are stored as JSON in a form SQL can compare (see
`property_json`), which is what event conditions in segments rely on (people.conditions.events).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.utils import timezone

from people import changes
from people.attributes import AttributeValueError, normalise_email, normalise_phone, parse_value
from people.models import AttributeDefinition, Event, EventDefinition, Person, Segment

DT = AttributeDefinition.DataType
MAX_BATCH = 1000
MAX_PROPERTIES = 100
MAX_KEY = 100
IDENTIFIERS = ("id", "external_id", "email", "phone")
EVENT_FIELDS = ("idempotency_key", "event", "person", "occurred_at", "properties")
# Letters, digits and _ (as integrators name them: itemId, order_total); no "__", which the ORM reads
# as a lookup separator.
PROPERTY_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


class PropertySpec(TypedDict):
    key: str
    label: str
    data_type: str


class InUse(ValueError):
    """An event definition that segments still refer to."""


class BatchInvalid(ValueError):
    """The request as a whole is unusable (not a list, empty, too many events); nothing is stored."""


# --- typed property values ----------------------------------------------------------------------


def property_json(data_type: str, value: Any) -> Any:
    """A parsed value (people.attributes.parse_value) as stored in Event.properties.

    Numbers are JSON numbers (so SQL compares them as numbers), dates "YYYY-MM-DD" and datetimes UTC
    with a fixed-width fraction ("2025-03-10T08:30:00.000000Z"), so that comparing the strings
    compares the moments.
    """
    if data_type == DT.NUMBER:
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if data_type == DT.DATE:
        return value.isoformat()
    if data_type == DT.DATETIME:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def properties_parse(definition: EventDefinition, raw: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The event's properties typed by its definition, and the errors per property key.

    Unknown keys are errors (a typo never passes silently); null leaves a property out.
    """
    if raw is None:
        return {}, {}
    if not isinstance(raw, dict):
        return {}, {"properties": ["Must be an object of property key to value."]}
    specs = {p["key"]: p for p in definition.properties}
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in raw.items():
        spec = specs.get(key)
        if spec is None:
            known = ", ".join(specs) or "none"
            errors[key] = [f"Unknown property {key!r} of the event {definition.key!r} (it has: {known})."]
            continue
        if value is None:
            continue
        try:
            values[key] = property_json(spec["data_type"], parse_value(spec["data_type"], value))
        except AttributeValueError as exc:
            errors[key] = [str(exc)]
    return values, errors


# --- definitions --------------------------------------------------------------------------------


def properties_errors(
    properties: list[PropertySpec], *, before: list[PropertySpec] | None = None
) -> list[str]:
    """Problems with a definition's property list (each item already has key, label and data_type).

    Keys are unique; once created a property keeps its key and type, and stays (stored events and
    segments refer to it); labels may change and properties may be added.
    """
    errors = []
    if len(properties) > MAX_PROPERTIES:
        errors.append(f"At most {MAX_PROPERTIES} properties.")
    seen: set[str] = set()
    for spec in properties:
        key = spec["key"]
        if not PROPERTY_KEY.fullmatch(key) or "__" in key:
            errors.append(
                f"Property key {key!r}: letters, digits and _ (no double _), starting with a letter, "
                "at most 64 characters."
            )
        if key in seen:
            errors.append(f"Property key {key!r} appears twice.")
        seen.add(key)
    new = {p["key"]: p for p in properties}
    for old in before or []:
        if old["key"] not in new:
            errors.append(f"Property {old['key']!r} cannot be removed: stored events and segments use it.")
        elif new[old["key"]]["data_type"] != old["data_type"]:
            errors.append(
                f"Property {old['key']!r} cannot change its type ({old['data_type']}) once created."
            )
    return errors


def _clean(properties: list[PropertySpec]) -> list[PropertySpec]:
    return [
        {"key": p["key"], "label": p["label"] or p["key"], "data_type": p["data_type"]} for p in properties
    ]


@transaction.atomic
def event_definition_create(
    *, key: str, label: str, description: str = "", properties: list[PropertySpec] | None = None
) -> EventDefinition:
    """Create a definition; raises ValueError listing the property problems."""
    properties = _clean(properties or [])
    errors = properties_errors(properties)
    if errors:
        raise ValueError(errors)
    return EventDefinition.objects.create(
        key=key, label=label, description=description, properties=properties
    )


@transaction.atomic
def event_definition_update(
    *,
    definition: EventDefinition,
    label: str | None = None,
    description: str | None = None,
    properties: list[PropertySpec] | None = None,
) -> EventDefinition:
    """Relabel, describe, add properties (existing ones keep their key and type)."""
    definition = EventDefinition.objects.select_for_update().get(pk=definition.pk)
    if properties is not None:
        properties = _clean(properties)
        errors = properties_errors(properties, before=definition.properties)
        if errors:
            raise ValueError(errors)
        definition.properties = properties
    if label is not None:
        definition.label = label
    if description is not None:
        definition.description = description
    definition.save()
    return definition


def segments_using_event(key: str) -> list[Segment]:
    from people.conditions import event_references

    return [s for s in Segment.objects.order_by("name") if key in event_references(s.rules)]


@transaction.atomic
def event_definition_delete(*, definition: EventDefinition) -> None:
    """Delete a definition and its events; refused (InUse) while a segment uses it."""
    users = segments_using_event(definition.key)
    if users:
        names = ", ".join(s.name for s in users)
        raise InUse(f"The event {definition.key!r} is used by the segments: {names}.")
    definition.delete()


# --- ingestion ----------------------------------------------------------------------------------


@dataclass
class IngestReport:
    """What happened to a batch: stored, already stored (a retry), and refused with the reasons."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


@dataclass
class _Candidate:
    index: int
    key: str
    event: str = ""
    person_ref: tuple[str, Any] | None = None
    occurred_at: dt.datetime | None = None
    raw_properties: Any = None
    definition: EventDefinition | None = None
    person_id: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Any] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def same_as(self, definition_id: int, person_id: int, occurred_at: dt.datetime, properties: dict) -> bool:
        """Whether a stored event is this one (a retry); without occurred_at the time is "now" and
        cannot be compared."""
        assert self.definition is not None
        return (
            self.definition.pk == definition_id
            and self.person_id == person_id
            and self.properties == properties
            and (self.occurred_at is None or self.occurred_at == occurred_at)
        )


def _shape(index: int, item: Any) -> _Candidate:
    if not isinstance(item, dict):
        candidate = _Candidate(index=index, key="")
        candidate.error("non_field_errors", "Each event must be an object.")
        return candidate
    key = item.get("idempotency_key")
    candidate = _Candidate(index=index, key=key if isinstance(key, str) else "")
    for name in sorted(set(item) - set(EVENT_FIELDS)):
        candidate.error(name, f"Unknown field; an event has: {', '.join(EVENT_FIELDS)}.")
    if not isinstance(key, str) or not key.strip():
        candidate.error("idempotency_key", "Required: a string that identifies this event across retries.")
    elif len(key) > MAX_KEY:
        candidate.error("idempotency_key", f"At most {MAX_KEY} characters.")
    event = item.get("event")
    if not isinstance(event, str) or not event:
        candidate.error("event", "Required: the key of an event definition.")
    else:
        candidate.event = event
    person = item.get("person")
    given = [name for name in IDENTIFIERS if isinstance(person, dict) and person.get(name) not in (None, "")]
    if not isinstance(person, dict) or len(given) != 1 or set(person) - set(IDENTIFIERS):
        candidate.error("person", f"Must be an object with exactly one of: {', '.join(IDENTIFIERS)}.")
    else:
        candidate.person_ref = _identifier(candidate, given[0], person[given[0]])
    if item.get("occurred_at") is not None:
        try:
            candidate.occurred_at = parse_value(DT.DATETIME, item["occurred_at"])
        except AttributeValueError as exc:
            candidate.error("occurred_at", str(exc))
    candidate.raw_properties = item.get("properties")
    return candidate


def _identifier(candidate: _Candidate, name: str, value: Any) -> tuple[str, Any] | None:
    try:
        if name == "id":
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise AttributeValueError("Must be a person id (a positive whole number).")
            return name, value
        if not isinstance(value, str):
            raise AttributeValueError("Must be a string.")
        if name == "email":
            return name, normalise_email(value)
        if name == "phone":
            return name, normalise_phone(value)
        return name, value.strip()
    except AttributeValueError as exc:
        candidate.error("person", f"{name}: {exc}")
        return None


def _resolve_persons(candidates: list[_Candidate]) -> None:
    wanted: dict[str, set[Any]] = {name: set() for name in IDENTIFIERS}
    for c in candidates:
        if c.person_ref:
            wanted[c.person_ref[0]].add(c.person_ref[1])
    found: dict[tuple[str, Any], int] = {}
    for name, values in wanted.items():
        if values:
            lookup = "pk" if name == "id" else name
            for pk, value in Person.objects.filter(**{f"{lookup}__in": values}).values_list("pk", lookup):
                found[(name, value)] = pk
    for c in candidates:
        if c.person_ref:
            c.person_id = found.get(c.person_ref)
            if c.person_id is None:
                c.error("person", f"No person with {c.person_ref[0]} {c.person_ref[1]!r}.")


def events_ingest(*, items: Any, now: dt.datetime | None = None) -> IngestReport:
    """Store a batch of events (see docs/api.md, "Events"): each valid one is stored, each invalid one
    is reported with its errors; an idempotency key already stored with the same event counts as a
    duplicate (nothing stored twice), with a different event it is refused.

    Raises BatchInvalid when the batch itself is unusable. Publishes an EventRecorded change per
    stored event after commit.
    """
    if not isinstance(items, list):
        raise BatchInvalid("Send a list of events.")
    if not items:
        raise BatchInvalid("Send at least one event.")
    if len(items) > MAX_BATCH:
        raise BatchInvalid(
            f"At most {MAX_BATCH} events per request; this one has {len(items)}. "
            "Split it into several requests."
        )
    now = now or timezone.now()
    candidates = [_shape(i, item) for i, item in enumerate(items)]
    definitions = {
        d.key: d for d in EventDefinition.objects.filter(key__in={c.event for c in candidates if c.event})
    }
    for c in candidates:
        if c.event:
            c.definition = definitions.get(c.event)
            if c.definition is None:
                c.error("event", f"Unknown event {c.event!r}; define it first (/api/event-definitions/).")
            else:
                c.properties, errors = properties_parse(c.definition, c.raw_properties)
                if errors:
                    c.errors["properties"] = errors
    _resolve_persons(candidates)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _store(candidates, now)
        except IntegrityError:
            # A concurrent request stored one of these keys after we looked; look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store(candidates: list[_Candidate], now: dt.datetime) -> IngestReport:
    report = IngestReport()
    valid = [c for c in candidates if not c.errors]
    stored = {
        e.idempotency_key: e
        for e in Event.objects.filter(idempotency_key__in={c.key for c in valid}).only(
            "idempotency_key", "definition_id", "person_id", "occurred_at", "properties"
        )
    }
    rejected: dict[int, dict[str, Any]] = {c.index: c.errors for c in candidates if c.errors}
    new: list[tuple[_Candidate, Event]] = []
    in_batch: dict[str, Event] = {}
    for c in valid:
        assert c.definition is not None and c.person_id is not None
        earlier = stored.get(c.key) or in_batch.get(c.key)
        if earlier is not None:
            if c.same_as(earlier.definition_id, earlier.person_id, earlier.occurred_at, earlier.properties):
                report.duplicates += 1
            else:
                rejected[c.index] = {
                    "idempotency_key": [
                        f"Already used for a different event ({c.key!r}); give each event its own key."
                    ]
                }
            continue
        event = Event(
            definition=c.definition,
            person_id=c.person_id,
            occurred_at=c.occurred_at or now,
            properties=c.properties,
            idempotency_key=c.key,
            received_at=now,
        )
        in_batch[c.key] = event
        new.append((c, event))
    Event.objects.bulk_create([event for _, event in new], batch_size=500)
    report.accepted = len(new)
    source = changes.current_source()
    changes.record(
        changes.EventRecorded(
            person_id=event.person_id,
            at=now,
            source=source,
            event_id=event.pk,
            event=c.event,
            occurred_at=event.occurred_at,
            properties=event.properties,
        )
        for c, event in new
    )
    report.rejected = [
        {"index": c.index, "idempotency_key": c.key or None, "errors": rejected[c.index]}
        for c in candidates
        if c.index in rejected
    ]
    return report
