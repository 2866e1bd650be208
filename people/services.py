"""People services: every write to persons, attributes, definitions and segments goes through here."""

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.timezone import now as current_time

from people.attributes import (
    RESERVED_KEYS,
    STANDARD_ATTRIBUTES,
    AttributeValueError,
    is_empty_value,
    normalise_email,
    normalise_phone,
    parse_value,
    validate_timezone,
)
from people.conditions import attribute_references, parse_rules, segment_references
from people.models import (
    AttributeDefinition,
    AttributeListItem,
    AttributeValue,
    Company,
    Person,
    Segment,
    Tag,
)

DT = AttributeDefinition.DataType
VALUE_COLUMNS = ("value_bool", "value_text", "value_number", "value_date", "value_datetime", "value_list")
COLUMN_OF = dict(zip(DT.values, VALUE_COLUMNS, strict=True))


class AttributesInvalid(ValueError):
    """Custom attribute values that do not fit; `errors` maps each bad key to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class InUse(ValueError):
    """A definition or segment that segments still refer to."""


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
) -> Person:
    """Create a person: email lower-cased, phone in E.164, custom attributes validated; all or nothing.

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
        user=user,
    )
    if tags:
        person.tags.set(tags)
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
    attributes (others are kept); all or nothing."""
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
    if tags is not None:
        person.tags.set(tags)
    if attributes:
        person_set_attributes(person=person, values=attributes)
    return person


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
    Raises AttributesInvalid.
    """
    for definition, value in attributes_parse(values).items():
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
    Person.objects.filter(pk=person.pk).update(updated_at=current_time())


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
