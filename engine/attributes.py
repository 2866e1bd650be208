"""Person attributes as flows write them: a form message's answer saved into an attribute
(`attribute_save`) and Update person's values (`attributes_write`), both through people.services, both
called by engine/assets.py while the core runs; and `attribute_issues`, the publish check that a form's
attribute exists and can hold the widget's answer (engine/checks.py adds it to validation).
"""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from engine.core import widgets
from engine.core.issues import Issue
from people.attributes import (
    STANDARD_ATTRIBUTES,
    AttributeValueError,
    normalise_email,
    normalise_phone,
    parse_value,
)
from people.models import AttributeDefinition, Person
from people.services import AttributesInvalid, person_set_attributes, person_update

DT = AttributeDefinition.DataType
# Standard attributes a form may write (created_at/updated_at are the system's).
WRITABLE_STANDARD = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "external_id",
    "language",
    "timezone",
    "opt_in",
    "birth_date",
)
# Which attribute data types can hold each form result type (after the conversion in _converted).
COMPATIBLE: dict[str, set[str]] = {
    "unicode_result": {DT.TEXT, DT.NUMBER, DT.DATE, DT.DATETIME, DT.BOOLEAN, DT.LIST},
    "unicode_list_result": {DT.LIST, DT.TEXT},
    "long_result": {DT.NUMBER, DT.DATE, DT.DATETIME, DT.TEXT},
    "float_result": {DT.NUMBER, DT.TEXT},
    "float_list_result": {DT.TEXT},
    "location_result": {DT.TEXT},
    "file_result": {DT.TEXT},
}
TRUE_WORDS = {"true", "yes", "1", "on"}
FALSE_WORDS = {"false", "no", "0", "off"}


class AttributeRefused(ValueError):
    """The person's data does not accept the answer; the message says why, for the person."""


def attribute_of(key: str) -> tuple[str, str] | None:
    """(label, data type) of a writable attribute key, or None if there is no such attribute."""
    if key in STANDARD_ATTRIBUTES:
        standard = STANDARD_ATTRIBUTES[key]
        return standard.label, standard.data_type
    definition = AttributeDefinition.objects.filter(key=key).first()
    return (definition.label or key, definition.data_type) if definition else None


# --- validation ---------------------------------------------------------------------------------------------


def attribute_issues(doc: Any) -> list[Issue]:
    """Issues of form messages whose `save_to` names an attribute that does not exist, is read-only, or
    cannot hold the widget's answer. Never raises, like validate()."""
    issues: list[Issue] = []
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or node.get("type") != "form_message":
            continue
        config = node.get("config") if isinstance(node.get("config"), dict) else {}
        save_to = config.get("save_to")
        if not isinstance(save_to, dict) or save_to.get("kind") != "attribute":
            continue
        key = save_to.get("key")
        if not isinstance(key, str) or not key.strip():
            continue  # the core reports a missing key
        found = attribute_of(key)
        where = "config.save_to.key"
        if found is None:
            issues.append(
                Issue("unknown_attribute", f'There is no person attribute "{key}"', node.get("id"), where)
            )
            continue
        label, data_type = found
        if key in STANDARD_ATTRIBUTES and key not in WRITABLE_STANDARD:
            message = f"{label} is kept by the system; a form cannot save into it"
            issues.append(Issue("incompatible_attribute", message, node.get("id"), where))
            continue
        widget = config.get("widget") if isinstance(config.get("widget"), dict) else {}
        result_type = widgets.RESULT_TYPES.get(widget.get("type"))
        if result_type and data_type not in COMPATIBLE[result_type]:
            message = f"{label} ({data_type.lower()}) cannot hold the answer of a {widget['type']} widget"
            issues.append(Issue("incompatible_attribute", message, node.get("id"), where))
    return issues


# --- saving -------------------------------------------------------------------------------------------------


def _converted(data_type: str, result: dict, display: str) -> Any:
    """A form result in the shape people's parse_value takes for `data_type` (which may still refuse it)."""
    kind, value = result["type"], result["value"]
    if data_type == DT.TEXT:
        return value if isinstance(value, str) else display
    if data_type == DT.LIST:
        return [value] if isinstance(value, str) else value
    if data_type in (DT.DATE, DT.DATETIME) and kind == "long_result":
        moment = datetime.fromtimestamp(value, UTC)
        return moment.date().isoformat() if data_type == DT.DATE else moment.isoformat()
    if data_type == DT.BOOLEAN and isinstance(value, str):
        word = value.strip().lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else value
    return value


def _standard(key: str, parsed: Any, person: Person) -> Any:
    """A parsed standard attribute value normalised (email, phone) and checked by its model field, as
    person_update expects it (it trusts its caller with lengths and formats; the model field knows them).
    Raises AttributeValueError or ValidationError."""
    if key == "email" and parsed:
        parsed = normalise_email(parsed)
    elif key == "phone" and parsed:
        parsed = normalise_phone(parsed)
    Person._meta.get_field(key).clean(parsed, person)
    return parsed


def attribute_save(*, person: Person, key: str, result: dict, display: str) -> None:
    """Write a form answer into the person's attribute `key`: person_update for standard fields,
    person_set_attributes for custom attributes. Raises AttributeRefused (nothing written) when the value
    does not fit. Call inside the answer's transaction."""
    found = attribute_of(key)
    if found is None or (key in STANDARD_ATTRIBUTES and key not in WRITABLE_STANDARD):
        raise AttributeRefused(f'Your answer cannot be saved: there is no person attribute "{key}".')
    label, data_type = found
    value = _converted(data_type, result, display)
    try:
        if key not in STANDARD_ATTRIBUTES:
            person_set_attributes(person=person, values={key: value})
            return
        person_update(person=person, fields={key: _standard(key, parse_value(data_type, value), person)})
    except AttributesInvalid as exc:
        raise AttributeRefused(
            f"Your answer cannot be saved as {label}: {exc.errors.get(key, exc)}"
        ) from None
    except AttributeValueError as exc:
        raise AttributeRefused(f"Your answer cannot be saved as {label}: {exc}") from None
    except ValidationError as exc:
        raise AttributeRefused(f"Your answer cannot be saved as {label}: {' '.join(exc.messages)}") from None
    except IntegrityError:
        raise AttributeRefused(
            f"Your answer cannot be saved as {label}: another person already has it."
        ) from None


def attributes_write(*, person: Person, values: dict[str, Any]) -> None:
    """Set (None: clear) person attributes from an Update person step: standard ones through
    person_update, custom ones through person_set_attributes, all or nothing (a savepoint). Raises
    AttributeRefused naming the attribute that refused its value."""
    standard: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, value in values.items():
        found = attribute_of(key)
        if found is None or (key in STANDARD_ATTRIBUTES and key not in WRITABLE_STANDARD):
            raise AttributeRefused(f'There is no writable person attribute "{key}".')
        label, data_type = found
        if key not in STANDARD_ATTRIBUTES:
            custom[key] = value
            continue
        try:
            parsed = parse_value(data_type, value) if value not in (None, "") else None
            if parsed is None and key in ("first_name", "last_name", "language", "timezone"):
                parsed = "" if key in ("first_name", "last_name") else Person._meta.get_field(key).default
            if parsed is None and key == "opt_in":
                parsed = False
            parsed = _standard(key, parsed, person)
        except (AttributeValueError, ValidationError) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise AttributeRefused(f"{label} cannot be set to {str(value)[:60]!r}: {reason}") from None
        standard[key] = parsed
    try:
        with transaction.atomic():
            if standard:
                person_update(person=person, fields=standard)
            if custom:
                person_set_attributes(person=person, values=custom)
    except AttributesInvalid as exc:
        raise AttributeRefused("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
    except IntegrityError:
        raise AttributeRefused("Another person already has that email, phone or external id.") from None
