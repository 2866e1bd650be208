"""People services: every write to persons, attributes, definitions and segments goes through here."""

import datetime as dt
from typing import Any, TypedDict

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils.timezone import now as current_time

from people import changes
from people.attributes import (
    RESERVED_KEYS,
    STANDARD_ATTRIBUTES,
    AttributeValueError,
    is_empty_value,
    normalise_email,
    normalise_phone,
    parse_value,
    to_json,
    validate_timezone,
)
from people.conditions import attribute_references, id_references, parse_rules, segment_references
from people.models import (
    AttributeDefinition,
    AttributeListItem,
    AttributeValue,
    Company,
    Person,
    Segment,
    Tag,
)
from people.selectors import persons_filtered

DT = AttributeDefinition.DataType
VALUE_COLUMNS = ("value_bool", "value_text", "value_number", "value_date", "value_datetime", "value_list")
COLUMN_OF = dict(zip(DT.values, VALUE_COLUMNS, strict=True))


class AttributesInvalid(ValueError):
    """Custom attribute values that do not fit; `errors` maps each bad key to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class InUse(ValueError):
    """A definition, tag, company or segment that segments still refer to."""


# --- persons ----------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
    language: str = "en",
    timezone: str = "UTC",
    opt_in: bool = False,
    birth_date: dt.date | None = None,
    company: Company | None = None,
    user: AbstractBaseUser | None = None,
    tags: list[Tag] | None = None,
    attributes: dict[str, Any] | None = None,
    created_via: str = "",
) -> Person:
    """Create a person: email lower-cased, phone in E.164, custom attributes validated; all or nothing.
    `created_via` marks persons an integration created ("sftp:3", "flow api:3").

    Raises AttributeValueError (standard fields) or AttributesInvalid (custom attributes).
    """
    person = Person.objects.create(
        first_name=first_name,
        last_name=last_name,
        email=normalise_email(email),
        phone=normalise_phone(phone),
        external_id=(external_id or "").strip() or None,
        language=language,
        timezone=validate_timezone(timezone),
        opt_in=opt_in,
        birth_date=birth_date,
        company=company,
        created_via=created_via[:100],
        user=user,
    )
    found = changes.person_diff(changes.snapshot(Person()), person)
    if tags:
        person.tags.set(tags)
        found += changes.tag_diff(person.pk, [], tags)
    changes.record(found)  # a new person's values are changes from empty
    if attributes:
        person_set_attributes(person=person, values=attributes)
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    fields: dict[str, Any],
    tags: list[Tag] | None = None,
    attributes: dict[str, Any] | None = None,
) -> Person:
    """Change standard `fields` (keys of Person), replace tags when given, set the given custom
    attributes (others are kept); all or nothing. Emits one change event per value that differs."""
    before = changes.snapshot(person)
    for name, value in fields.items():
        if name == "email":
            value = normalise_email(value)
        elif name == "phone":
            value = normalise_phone(value)
        elif name == "timezone":
            value = validate_timezone(value)
        elif name == "external_id":
            value = (value or "").strip() or None
        elif name not in STANDARD_ATTRIBUTES and name not in ("company", "user"):
            raise ValueError(f"{name} is not a person field")
        setattr(person, name, value)
    person.save()
    found = changes.person_diff(before, person)
    if tags is not None:
        tags_before = list(person.tags.all())
        person.tags.set(tags)
        found += changes.tag_diff(person.pk, tags_before, tags)
    changes.record(found)
    if attributes:
        person_set_attributes(person=person, values=attributes)
    return person


@transaction.atomic
def person_delete(*, person: Person) -> None:
    """Delete a person with their attribute values and tags."""
    person.delete()


def attributes_parse(values: dict[str, Any]) -> dict[AttributeDefinition, Any]:
    """Each key's definition and parsed value (None = clear it); raises AttributesInvalid with a
    message per bad key, so a form or API can show them all at once."""
    if not isinstance(values, dict):
        raise AttributesInvalid({"attributes": "Must be an object of attribute key to value."})
    definitions = {d.key: d for d in AttributeDefinition.objects.filter(key__in=list(values))}
    errors: dict[str, str] = {}
    parsed: dict[AttributeDefinition, Any] = {}
    for key, raw in values.items():
        definition = definitions.get(key)
        if definition is None:
            if key in STANDARD_ATTRIBUTES:
                errors[key] = f"{key} is a standard attribute; set it as a field of the person."
            else:
                errors[key] = f"Unknown attribute {key!r}."
            continue
        if is_empty_value(raw):
            parsed[definition] = None
            continue
        try:
            parsed[definition] = parse_value(definition.data_type, raw, number_kind=definition.number_kind)
        except AttributeValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise AttributesInvalid(errors)
    return parsed


@transaction.atomic
def person_set_attributes(*, person: Person, values: dict[str, Any]) -> None:
    """Set custom attributes by key: {"score": 4, "interests": ["golf"], "vip_until": None}.

    Values are validated by their definition's type (DATETIME must carry an offset and is stored in
    UTC); None, "" or [] clear a value. Nothing is written unless every value is valid.
    Emits an AttributeChanged (old and new value) per key whose value differs.
    Raises AttributesInvalid.
    """
    parsed = attributes_parse(values)
    old = {
        v.definition_id: to_json(
            v.definition.data_type,
            getattr(v, COLUMN_OF[v.definition.data_type]),
            number_kind=v.definition.number_kind,
        )
        for v in AttributeValue.objects.filter(person=person, definition__in=list(parsed)).select_related(
            "definition"
        )
    }
    for definition, value in parsed.items():
        if value is None:
            AttributeValue.objects.filter(person=person, definition=definition).delete()
            AttributeListItem.objects.filter(person=person, definition=definition).delete()
            continue
        columns = dict.fromkeys(VALUE_COLUMNS)
        columns[COLUMN_OF[definition.data_type]] = value
        AttributeValue.objects.update_or_create(person=person, definition=definition, defaults=columns)
        if definition.data_type == DT.LIST:
            AttributeListItem.objects.filter(person=person, definition=definition).delete()
            AttributeListItem.objects.bulk_create(
                AttributeListItem(person=person, definition=definition, value=item.lower()) for item in value
            )
    at = current_time()
    Person.objects.filter(pk=person.pk).update(updated_at=at)
    found: list[changes.PersonChanged] = []
    for definition, value in parsed.items():
        new = to_json(definition.data_type, value, number_kind=definition.number_kind)
        if new != old.get(definition.pk):
            found.append(
                changes.AttributeChanged(
                    person_id=person.pk,
                    at=at,
                    source=changes.current_source(),
                    key=definition.key,
                    old=old.get(definition.pk),
                    new=new,
                )
            )
    changes.record(found)


# --- attribute definitions --------------------------------------------------------------------


def attribute_definition_check(*, key: str, data_type: str, number_kind: str) -> dict[str, str]:
    """Field errors of a new definition (empty when it is fine)."""
    errors = {}
    if key in RESERVED_KEYS:
        errors["key"] = f"{key!r} is a standard attribute or a reserved word; choose another key."
    if data_type == DT.NUMBER and number_kind not in AttributeDefinition.NumberKind.values:
        errors["number_kind"] = 'A NUMBER attribute is "decimal" or "whole".'
    if data_type != DT.NUMBER and number_kind:
        errors["number_kind"] = "Only NUMBER attributes have a number kind."
    return errors


@transaction.atomic
def attribute_definition_create(
    *, key: str, label: str, data_type: str, number_kind: str = ""
) -> AttributeDefinition:
    if data_type == DT.NUMBER and not number_kind:
        number_kind = AttributeDefinition.NumberKind.DECIMAL
    errors = attribute_definition_check(key=key, data_type=data_type, number_kind=number_kind)
    if errors:
        raise ValueError(errors)
    return AttributeDefinition.objects.create(
        key=key, label=label, data_type=data_type, number_kind=number_kind
    )


def segments_using_attribute(key: str) -> list[Segment]:
    return [s for s in Segment.objects.order_by("name") if key in attribute_references(s.rules)]


@transaction.atomic
def attribute_definition_delete(*, definition: AttributeDefinition) -> None:
    """Delete a definition and its values; refused (InUse) while a segment uses it."""
    users = segments_using_attribute(definition.key)
    if users:
        names = ", ".join(s.name for s in users)
        raise InUse(f"The attribute {definition.key!r} is used by the segments: {names}.")
    definition.delete()


# --- segments ---------------------------------------------------------------------------------


@transaction.atomic
def segment_create(*, name: str, rules: Any, created_by: AbstractBaseUser | None = None) -> Segment:
    """Create a segment from a valid rule document (raises RulesInvalid)."""
    parse_rules(rules)
    return Segment.objects.create(name=name, rules=rules, created_by=created_by)


@transaction.atomic
def segment_update(*, segment: Segment, name: str | None = None, rules: Any = None) -> Segment:
    """Rename and/or change the rules; rules referring back to this segment are refused."""
    if rules is not None:
        # Lock the row: two concurrent edits could otherwise each add one half of a cycle.
        Segment.objects.select_for_update().filter(pk=segment.pk).first()
        parse_rules(rules, segment_id=segment.pk)
        segment.rules = rules
    if name is not None:
        segment.name = name
    segment.save()
    return segment


def segments_referring_to(segment: Segment) -> list[Segment]:
    others = Segment.objects.exclude(pk=segment.pk).order_by("name")
    return [s for s in others if segment.pk in segment_references(s.rules)]


@transaction.atomic
def segment_delete(*, segment: Segment) -> None:
    """Delete a segment; refused (InUse) while other segments refer to it."""
    users = segments_referring_to(segment)
    if users:
        raise InUse(f"Segments refer to this one: {', '.join(s.name for s in users)}.")
    segment.delete()


# --- bulk tags --------------------------------------------------------------------------------


class PersonFilter(TypedDict, total=False):
    """The People page's filters (see people.selectors.persons_filtered)."""

    search: str
    tag: str
    company: str
    segment: str


@transaction.atomic
def persons_tag_bulk(
    *, tag: Tag, add: bool, person_ids: list[int] | None = None, filter: PersonFilter | None = None
) -> int:
    """Add `tag` to (or remove it from) the given persons, or every person matching `filter`.

    One INSERT … SELECT … RETURNING or one DELETE whatever the number of persons: the selection stays
    in SQL. Returns how many persons changed (those that already had, or did not have, the tag are
    not counted); each of them gets its TagAdded/TagRemoved change event (timeline, triggers).
    """
    if (person_ids is None) == (filter is None):
        raise ValueError("Give either person_ids or filter.")
    if person_ids is not None:
        persons = Person.objects.filter(pk__in=person_ids)
    else:
        persons = persons_filtered(**(filter or {}))
    through = Person.tags.through
    if not add:
        links = through.objects.filter(tag=tag, person_id__in=persons.order_by().values("pk"))
        removed = list(links.values_list("person_id", flat=True))
        links.delete()
        changes.record(changes.tag_bulk_changes(tag, removed, added=False))
        return len(removed)
    select_sql, params = persons.order_by().values("pk").query.sql_with_params()
    table = connection.ops.quote_name(through._meta.db_table)
    person_table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        # ON CONFLICT: a concurrent bulk add of the same tag must not fail on the unique pair.
        cursor.execute(
            f"INSERT INTO {table} (person_id, tag_id) "  # noqa: S608 (table names from our own models)
            f"SELECT chosen.id, %s FROM {person_table} chosen WHERE chosen.id IN ({select_sql}) "
            f"AND NOT EXISTS (SELECT 1 FROM {table} had WHERE had.person_id = chosen.id AND had.tag_id = %s) "
            "ON CONFLICT DO NOTHING RETURNING person_id",
            [tag.pk, *params, tag.pk],
        )
        added = [row[0] for row in cursor.fetchall()]
    changes.record(changes.tag_bulk_changes(tag, added, added=True))
    return len(added)


# --- tags on one person ------------------------------------------------------------------------


@transaction.atomic
def person_tags_add(*, person: Person, tags: list[Tag]) -> None:
    """Add tags the person does not have yet; one TagAdded change event per tag actually added."""
    before = list(person.tags.all())
    person.tags.add(*tags)
    changes.record(changes.tag_diff(person.pk, before, {*before, *tags}))


@transaction.atomic
def person_tags_remove(*, person: Person, tags: list[Tag]) -> None:
    """Remove tags; one TagRemoved change event per tag the person had."""
    before = list(person.tags.all())
    person.tags.remove(*tags)
    gone = {t.pk for t in tags}
    changes.record(changes.tag_diff(person.pk, before, [t for t in before if t.pk not in gone]))


# --- deleting tags and companies ---------------------------------------------------------------


def _refers_to(doc: Any, subject: str, ref: int) -> bool:
    """Whether a rule document has a condition on `subject` ("tag", "company") naming id `ref`."""
    if not isinstance(doc, dict):
        return False
    value = doc.get(subject)
    if isinstance(value, int) and not isinstance(value, bool) and value == ref:
        return True
    rules = doc.get("rules")
    return isinstance(rules, list) and any(_refers_to(child, subject, ref) for child in rules)


def segments_using(subject: str, ref: int) -> list[Segment]:
    """The segments with a condition on the tag or company `ref` (subject "tag" or "company")."""
    return [s for s in Segment.objects.order_by("name") if ref in id_references(s.rules, subject)]


def _refuse_if_used(subject: str, obj: Tag | Company) -> None:
    # A stored condition on a deleted tag or company matches nobody, so "has not tag X" would
    # silently widen to everyone: the marketer edits those segments first.
    users = segments_using(subject, obj.pk)
    if users:
        names = ", ".join(s.name for s in users)
        raise InUse(f"The {subject} {obj.name!r} is used by the segments: {names}.")


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """Delete a tag; every person who had it gets a TagRemoved change event (and a timeline entry),
    published after commit. Refused (InUse, naming them) while segments refer to the tag.

    One read of the members' ids and multi-row inserts of the change log (changes.record), whatever
    the number of members. The source is the caller's (`changes.source`)."""
    # Lock the tag first: a concurrent add of it waits for this transaction (and then fails on the
    # missing tag) instead of slipping in a member who would lose the tag without an event.
    locked = Tag.objects.select_for_update().filter(pk=tag.pk).first()
    if locked is None:
        return  # deleted meanwhile, with its own events
    _refuse_if_used("tag", locked)
    members = Person.tags.through.objects.filter(tag=locked).order_by("person_id")
    changes.record(changes.tag_bulk_changes(locked, members.values_list("person_id", flat=True), added=False))
    locked.delete()


@transaction.atomic
def company_delete(*, company: Company) -> None:
    """Delete a company; its persons stay, without a company, and each gets a CompanyChanged
    (old = the company, new = None) change event and timeline entry, published after commit.
    Refused (InUse, naming them) while segments refer to the company. Bulk, like tag_delete."""
    # Locked for the same reason as in tag_delete: nobody joins the company while it is deleted.
    locked = Company.objects.select_for_update().filter(pk=company.pk).first()
    if locked is None:
        return
    _refuse_if_used("company", locked)
    members = Person.objects.filter(company=locked)
    at = current_time()
    changes.record(
        changes.company_bulk_left(locked, members.order_by("pk").values_list("pk", flat=True), at=at)
    )
    members.update(company=None, updated_at=at)
    locked.delete()
