"""Change events: what changed on a person, written to the outbox in the transaction that changed it.

The people services (person_create/person_update, person_set_attributes, person_tags_add/remove,
events_ingest) describe each change as one `PersonChanged` value carrying the old and the new value,
and call `record(...)`: attribute, tag and company changes are written to the `PersonChange` log
(the person's timeline), and all of the batch to one outbox event of topic `TOPIC` ("person.changed"),
in the same transaction: a rolled-back write publishes nothing, and a committed one is never lost.
Higher apps react in an outbox handler (engine/handlers.py), decoding the payload with `decode`:

    @outbox.handler(changes.TOPIC)
    def on_change(payload, event_id):
        for change in changes.decode(payload): ...
"""

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from people import bulk, outbox
from people.attributes import STANDARD_ATTRIBUTES, to_json
from people.models import Company, Person, PersonChange, Tag

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class PersonChanged:
    """Something changed on person `person_id` at `at`; `source` says who did it ("api", "flow:3", "")."""

    person_id: int
    at: dt.datetime
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class AttributeChanged(PersonChanged):
    """A standard or custom attribute changed; `old`/`new` are JSON values as the API shows them
    (None = empty)."""

    key: str
    old: Any
    new: Any


@dataclass(frozen=True, kw_only=True)
class TagAdded(PersonChanged):
    tag_id: int
    tag: str


@dataclass(frozen=True, kw_only=True)
class TagRemoved(PersonChanged):
    tag_id: int
    tag: str


@dataclass(frozen=True, kw_only=True)
class CompanyChanged(PersonChanged):
    """`old`/`new`: {"id", "name"} of the company, or None (no company)."""

    old: dict[str, Any] | None
    new: dict[str, Any] | None


@dataclass(frozen=True, kw_only=True)
class EventRecorded(PersonChanged):
    """An ingested event (people.models.Event `event_id`) of the definition `event` (its key)."""

    event_id: int
    event: str
    occurred_at: dt.datetime
    properties: dict[str, Any]


TOPIC = "person.changed"
_source: ContextVar[str] = ContextVar("people_change_source", default="")


@contextlib.contextmanager
def source(name: str) -> Iterator[None]:
    """Label the changes made inside the block (the `source` of the log and of the change events)."""
    token = _source.set(name)
    try:
        yield
    finally:
        _source.reset(token)


def current_source() -> str:
    return _source.get()


_KINDS: dict[type, str] = {}


def _kind(name: str):
    def register(cls):
        _KINDS[cls] = name
        return cls

    return register


def encode(change: PersonChanged) -> dict[str, Any]:
    """A change as JSON for the outbox: its fields, "kind" and ISO times."""
    out: dict[str, Any] = {"kind": _KINDS[type(change)]}
    for name, value in vars(change).items():
        out[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out


def decode(payload: dict[str, Any]) -> list[PersonChanged]:
    """The changes of a "person.changed" outbox event."""
    classes = {name: cls for cls, name in _KINDS.items()}
    found: list[PersonChanged] = []
    for raw in payload["changes"]:
        fields = {k: v for k, v in raw.items() if k != "kind"}
        for key in ("at", "occurred_at"):
            if isinstance(fields.get(key), str):
                fields[key] = dt.datetime.fromisoformat(fields[key])
        found.append(classes[raw["kind"]](**fields))
    return found


_kind("attribute")(AttributeChanged)
_kind("tag_added")(TagAdded)
_kind("tag_removed")(TagRemoved)
_kind("company")(CompanyChanged)
_kind("event")(EventRecorded)


_LOGGED = {
    AttributeChanged: PersonChange.Kind.ATTRIBUTE,
    TagAdded: PersonChange.Kind.TAG_ADDED,
    TagRemoved: PersonChange.Kind.TAG_REMOVED,
    CompanyChanged: PersonChange.Kind.COMPANY,
}


def _log_values(change: PersonChanged) -> tuple[str, str, Any, Any] | None:
    """(kind, key, old, new) of the change's PersonChange row; None for changes not logged there."""
    kind = _LOGGED.get(type(change))
    if kind is None:
        return None
    if isinstance(change, AttributeChanged):
        return kind, change.key, change.old, change.new
    if isinstance(change, CompanyChanged):
        return kind, "company", change.old, change.new
    assert isinstance(change, TagAdded | TagRemoved)
    return kind, change.tag, None, None


def _log_write(batch: list[PersonChanged]) -> None:
    """Write the PersonChange rows of `batch` (people.bulk.insert: an import logs about a dozen rows
    per new person, too many for bulk_create's per-value overhead)."""
    rows = []
    for change in batch:
        values = _log_values(change)
        if values is not None:
            rows.append((change.person_id, *values, change.source, change.at))
    bulk.insert(PersonChange, ("person", "kind", "key", "old", "new", "source", "at"), rows)


def record(changes: Iterable[PersonChanged]) -> None:
    """Log the changes and write them to the outbox, both in the current transaction.

    Takes any number of changes, of any persons: callers writing many persons (imports, bulk tags)
    pass them all at once, so the log is written in a few statements (people.bulk.insert) and the
    whole batch is one outbox event."""
    batch = list(changes)
    if not batch:
        return
    _log_write(batch)
    outbox.publish(TOPIC, {"changes": [encode(change) for change in batch]})


# --- describing changes ---------------------------------------------------------------------------

# Standard attributes a write can change (created_at/updated_at are the database's own).
TRACKED = [key for key in STANDARD_ATTRIBUTES if key not in ("created_at", "updated_at")]


def snapshot(person: Person) -> dict[str, Any]:
    """The person's tracked standard attributes (JSON values) and company id, to diff against later."""
    values = {key: to_json(STANDARD_ATTRIBUTES[key].data_type, getattr(person, key)) for key in TRACKED}
    values["company"] = person.company_id
    return values


def _company(company_id: int | None, names: dict[int, str] | None = None) -> dict[str, Any] | None:
    if company_id is None:
        return None
    if names and company_id in names:
        return {"id": company_id, "name": names[company_id]}
    name = Company.objects.filter(pk=company_id).values_list("name", flat=True).first()
    return {"id": company_id, "name": name}


def person_diff(
    before: dict[str, Any],
    person: Person,
    *,
    at: dt.datetime | None = None,
    company_names: dict[int, str] | None = None,
) -> list[PersonChanged]:
    """One change per tracked standard attribute (and the company) that differs from `before`.

    `company_names` (id → name), when the caller has them, saves a query per company change (imports)."""
    at = at or timezone.now()
    after = snapshot(person)
    found: list[PersonChanged] = []
    for key in TRACKED:
        if _blank(before[key]) != _blank(after[key]):
            found.append(
                AttributeChanged(
                    person_id=person.pk,
                    at=at,
                    source=current_source(),
                    key=key,
                    old=_blank(before[key]),
                    new=_blank(after[key]),
                )
            )
    if before["company"] != after["company"]:
        found.append(
            CompanyChanged(
                person_id=person.pk,
                at=at,
                source=current_source(),
                old=_company(before["company"], company_names),
                new=_company(after["company"], company_names),
            )
        )
    return found


def _blank(value: Any) -> Any:
    # "" and None are both "empty" for standard text columns.
    return None if value == "" else value


def tag_diff(
    person_id: int, before: Iterable[Tag], after: Iterable[Tag], *, at: dt.datetime | None = None
) -> list[PersonChanged]:
    """TagAdded/TagRemoved for the difference between two sets of tags, by tag name."""
    at = at or timezone.now()
    old = {t.pk: t for t in before}
    new = {t.pk: t for t in after}
    added: list[PersonChanged] = [
        TagAdded(person_id=person_id, at=at, source=current_source(), tag_id=t.pk, tag=t.name)
        for pk, t in sorted(new.items(), key=lambda item: item[1].name)
        if pk not in old
    ]
    removed: list[PersonChanged] = [
        TagRemoved(person_id=person_id, at=at, source=current_source(), tag_id=t.pk, tag=t.name)
        for pk, t in sorted(old.items(), key=lambda item: item[1].name)
        if pk not in new
    ]
    return added + removed


def tag_bulk_changes(
    tag: Tag, person_ids: Iterable[int], *, added: bool, at: dt.datetime | None = None
) -> list[PersonChanged]:
    """TagAdded (or TagRemoved) of one tag for many persons: for bulk tag writes, which know the ids
    of the persons they actually changed (e.g. from INSERT … RETURNING)."""
    at = at or timezone.now()
    kind = TagAdded if added else TagRemoved
    return [
        kind(person_id=pk, at=at, source=current_source(), tag_id=tag.pk, tag=tag.name) for pk in person_ids
    ]


def company_bulk_left(
    company: Company, person_ids: Iterable[int], *, at: dt.datetime | None = None
) -> list[PersonChanged]:
    """CompanyChanged from `company` to no company for many persons (the company is deleted)."""
    at = at or timezone.now()
    old = {"id": company.pk, "name": company.name}
    return [
        CompanyChanged(person_id=pk, at=at, source=current_source(), old=old, new=None) for pk in person_ids
    ]
