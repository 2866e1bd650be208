"""One participant of "Add participants to flow": checked on its own, matched to a person (the merge rules
of docs/flow-api.md), that person created or updated through the people services, and entered into the
flow. Any problem rejects this participant only, with an Infobip `errorReason` and a message naming the
field (`participants[3].identifyBy.identifier: not an email address`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db.models.functions import Lower

from engine import entries
from engine.core.variables import VariableValueError, coerce
from engine.definitions import version_definition
from engine.flow_api.payload import path_join
from engine.models import Participant
from flowdesigner.models import FlowVersion
from people import services as people_services
from people.attributes import AttributeValueError, normalise_email, normalise_phone
from people.models import Person

# Infobip's ErrorStatusReason values: client libraries read errorReason as this enum.
INVALID_CONTACT = "REJECTED_INVALID_CONTACT"
ATTRIBUTE_MISSED = "REJECTED_ATTRIBUTE_MISSED"
PERSON_IN_FLOW = "REJECTED_PERSON_IN_FLOW"
NOT_ALLOWED_TO_REENTER = "REJECTED_PERSON_NOT_ALLOWED_TO_REENTER"
FLOW_ERROR = "REJECTED_FLOW_ERROR_UNKNOWN"
PEOPLE_ERROR = "REJECTED_CDP_ERROR_UNKNOWN"
ERROR_REASONS = (
    INVALID_CONTACT,
    ATTRIBUTE_MISSED,
    PERSON_IN_FLOW,
    NOT_ALLOWED_TO_REENTER,
    FLOW_ERROR,
    PEOPLE_ERROR,
)

# identifyBy.type -> the Person column it names.
IDENTIFIER_TYPES = {"EMAIL": "email", "PHONE": "phone", "EXTERNAL_ID": "external_id"}
LABELS = {"email": "email address", "phone": "phone number", "external_id": "external id"}
MAX_NAME = 100
MAX_EMAIL = 254
MAX_EXTERNAL_ID = 100
MAX_CONTACTS = 100  # per kind, as Infobip allows
MAX_ECHO = 500  # characters of an identifier echoed back in the report


class Rejected(Exception):
    """This participant is refused: `reason` is the Infobip errorReason, `message` says what and where."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Contact:
    """One value for a person column (email, phone, external_id) and where in the request it came from."""

    field: str
    value: str
    path: str


@dataclass
class Checked:
    """A participant whose every value is valid: what to match, write and enter with."""

    identifier: Contact
    contacts: dict[str, Contact] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What adding the participant did: the person (created or updated), and the new participant or
    why the flow refused the person."""

    person: Person
    participant: Participant | None
    reason: str = ""
    message: str = ""


# --- reading -------------------------------------------------------------------------------------------


def identify_by_echo(raw: Any) -> dict[str, str]:
    """identifyBy as sent, for the report (strings only; an absurdly long identifier is shortened)."""
    given = raw.get("identifyBy") if isinstance(raw, dict) else None
    if not isinstance(given, dict):
        return {"identifier": "", "type": ""}
    identifier, kind = given.get("identifier"), given.get("type")
    return {
        "identifier": identifier[:MAX_ECHO] if isinstance(identifier, str) else "",
        "type": kind[:32] if isinstance(kind, str) else "",
    }


def identify(raw: Any, base: str) -> Contact:
    """The participant's identifyBy, normalised (email lower-cased, phone in E.164); Rejected otherwise."""
    if not isinstance(raw, dict):
        raise Rejected(INVALID_CONTACT, f"{base}: must be an object with identifyBy.")
    given = raw.get("identifyBy")
    path = f"{base}.identifyBy"
    if not isinstance(given, dict):
        raise Rejected(INVALID_CONTACT, f"{path}: required, an object with identifier and type.")
    kind = given.get("type")
    if kind not in IDENTIFIER_TYPES:
        choices = ", ".join(IDENTIFIER_TYPES)
        shown = f" (received {str(kind)[:50]!r})" if kind is not None else ""
        raise Rejected(INVALID_CONTACT, f"{path}.type: must be one of {choices}{shown}.")
    return contact_read(IDENTIFIER_TYPES[kind], given.get("identifier"), f"{path}.identifier")


def identity_key(contact: Contact) -> str:
    return f"{contact.field}:{contact.value}"


def contact_read(column: str, value: Any, path: str) -> Contact:
    """A valid, normalised value for the person column `column`; Rejected naming `path` otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise Rejected(INVALID_CONTACT, f"{path}: required, a non-empty string.")
    text = value.strip()
    if column == "email":
        email = normalise_email(text) or ""
        if len(email) > MAX_EMAIL:
            raise Rejected(INVALID_CONTACT, f"{path}: at most {MAX_EMAIL} characters.")
        try:
            validate_email(email)
        except ValidationError:
            raise Rejected(INVALID_CONTACT, f"{path}: not an email address.") from None
        return Contact(column, email, path)
    if column == "phone":
        try:
            return Contact(column, phone_normalise(text), path)
        except AttributeValueError as exc:
            raise Rejected(INVALID_CONTACT, f"{path}: not a phone number ({exc})") from None
    if len(text) > MAX_EXTERNAL_ID:
        raise Rejected(INVALID_CONTACT, f"{path}: at most {MAX_EXTERNAL_ID} characters.")
    return Contact(column, text, path)


def phone_normalise(text: str) -> str:
    """E.164. Infobip sends numbers in international form without "+" (41793026727), so plain digits
    not starting with 0 are read as international first; anything else as people.attributes reads it (in
    PEOPLE_DEFAULT_REGION when there is no +)."""
    if text.isascii() and text.isdigit() and not text.startswith("0"):
        try:
            return normalise_phone("+" + text) or ""
        except AttributeValueError:
            pass
    return normalise_phone(text) or ""


def participant_check(raw: dict, base: str, *, identifier: Contact, declared: dict[str, str]) -> Checked:
    """Every value of the participant checked (variables against the flow's `declared` types, custom
    attributes against their definitions); Rejected listing every problem, the first one's reason."""
    checked = Checked(identifier=identifier)
    problems: list[tuple[str, str]] = []
    checked.variables = _variables(raw.get("variables"), f"{base}.variables", declared, problems)
    person = raw.get("person")
    if person is not None and not isinstance(person, dict):
        problems.append((INVALID_CONTACT, f"{base}.person: must be an object."))
        person = None
    contacts = [identifier]
    if person:
        contacts += _person(person, f"{base}.person", checked, problems)
    checked.contacts = _one_per_column(contacts, problems)
    if problems:
        raise Rejected(problems[0][0], "; ".join(message for _, message in problems))
    return checked


def _variables(raw: Any, path: str, declared: dict[str, str], problems: list) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append((ATTRIBUTE_MISSED, f"{path}: must be an object of variable name to value."))
        return {}
    values = {}
    for name, value in raw.items():
        where = path_join(path, name)
        kind = declared.get(name)
        if kind is None:
            known = ", ".join(sorted(declared)[:20]) or "none"
            problems.append(
                (ATTRIBUTE_MISSED, f"{where}: the flow has no such variable (declared: {known}).")
            )
            continue
        try:
            values[name] = coerce(value, kind)
        except VariableValueError as exc:
            problems.append((ATTRIBUTE_MISSED, f"{where}: {exc} (the variable is {kind})."))
    return values


def _person(person: dict, path: str, checked: Checked, problems: list) -> list[Contact]:
    """Names, custom attributes and contacts of `person`; contacts returned in request order."""
    for key, column in (("firstName", "first_name"), ("lastName", "last_name")):
        value = person.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append((INVALID_CONTACT, f"{path}.{key}: must be a string."))
        elif len(value) > MAX_NAME:
            problems.append((INVALID_CONTACT, f"{path}.{key}: at most {MAX_NAME} characters."))
        else:
            checked.names[column] = value.strip()
    contacts: list[Contact] = []
    if person.get("externalId") is not None:
        _try_contact(contacts, problems, "external_id", person["externalId"], f"{path}.externalId")
    _contact_information(person.get("contactInformation"), f"{path}.contactInformation", contacts, problems)
    checked.attributes = _custom_attributes(
        person.get("customAttributes"), f"{path}.customAttributes", problems
    )
    return contacts


def _contact_information(info: Any, path: str, contacts: list[Contact], problems: list) -> None:
    if info is None:
        return
    if not isinstance(info, dict):
        problems.append((INVALID_CONTACT, f"{path}: must be an object with phone and email lists."))
        return
    for kind, column, inner in (("phone", "phone", "number"), ("email", "email", "address")):
        items = info.get(kind)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append((INVALID_CONTACT, f"{path}.{kind}: must be a list of {{{inner!r}: ...}}."))
            continue
        if len(items) > MAX_CONTACTS:
            problems.append((INVALID_CONTACT, f"{path}.{kind}: at most {MAX_CONTACTS} items."))
            continue
        for i, item in enumerate(items):
            where = f"{path}.{kind}[{i}]"
            if not isinstance(item, dict):
                problems.append((INVALID_CONTACT, f"{where}: must be an object with {inner}."))
                continue
            _try_contact(contacts, problems, column, item.get(inner), f"{where}.{inner}")


def _try_contact(contacts: list[Contact], problems: list, column: str, value: Any, path: str) -> None:
    try:
        contacts.append(contact_read(column, value, path))
    except Rejected as exc:
        problems.append((exc.reason, exc.message))


def _custom_attributes(raw: Any, path: str, problems: list) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append((ATTRIBUTE_MISSED, f"{path}: must be an object of attribute key to value."))
        return {}
    try:
        people_services.attributes_parse(raw)
    except people_services.AttributesInvalid as exc:
        problems.extend(
            (ATTRIBUTE_MISSED, f"{path_join(path, key)}: {msg}") for key, msg in exc.errors.items()
        )
        return {}
    return raw


def _one_per_column(contacts: list[Contact], problems: list) -> dict[str, Contact]:
    """A person holds one email, one phone and one external id here: every value given for a column
    must be the same one."""
    chosen: dict[str, Contact] = {}
    for contact in contacts:
        first = chosen.setdefault(contact.field, contact)
        if first.value != contact.value:
            label = LABELS[contact.field]
            problems.append(
                (
                    INVALID_CONTACT,
                    f"{contact.path}: {contact.value} differs from {first.value} ({first.path}); "
                    f"a person has one {label} here.",
                )
            )
    return chosen


# --- matching and writing -----------------------------------------------------------------------------


def person_match(checked: Checked) -> Person | None:
    """The one existing person every given identifier points at (the identifyBy identifier first, then
    externalId and contactInformation), or None when none points anywhere. Identifiers of two different
    persons are Rejected naming both: persons are never merged."""
    found: list[tuple[Contact, Person]] = []
    ordered = [checked.identifier] + [c for c in checked.contacts.values() if c != checked.identifier]
    for contact in ordered:
        person = person_by(contact)
        if person is not None:
            found.append((contact, person))
    for contact, person in found[1:]:
        first_contact, first = found[0]
        if person.pk != first.pk:
            raise Rejected(
                INVALID_CONTACT,
                f"{first_contact.path} ({first_contact.value}) is person #{first.pk} but {contact.path} "
                f"({contact.value}) is person #{person.pk}; two persons are never merged: send identifiers "
                "of one person.",
            )
    return found[0][1] if found else None


def person_by(contact: Contact) -> Person | None:
    """The person whose column holds this (normalised) value, or None."""
    if contact.field == "email":
        # LOWER(email) is what the unique index holds, so this lookup uses it.
        return Person.objects.annotate(email_lower=Lower("email")).filter(email_lower=contact.value).first()
    return Person.objects.filter(**{contact.field: contact.value}).first()


def person_save(person: Person | None, checked: Checked, *, flow_id: int, base: str) -> Person:
    """Create the person (created_via "flow api:<flow id>") or update the given fields; Rejected when the
    people services refuse a value (or another request took an identifier a moment ago)."""
    values = {**checked.names, **{column: c.value for column, c in checked.contacts.items()}}
    try:
        if person is None:
            return people_services.person_create(
                **values, attributes=checked.attributes or None, created_via=f"flow api:{flow_id}"
            )
        changed = {name: value for name, value in values.items() if getattr(person, name) != value}
        if changed or checked.attributes:
            people_services.person_update(
                person=person, fields=changed, attributes=checked.attributes or None
            )
        return person
    except people_services.AttributesInvalid as exc:
        raise Rejected(ATTRIBUTE_MISSED, f"{base}.person.customAttributes: {exc}") from None
    except AttributeValueError as exc:
        raise Rejected(INVALID_CONTACT, f"{base}.person: {exc}") from None
    except IntegrityError:
        raise Rejected(
            PEOPLE_ERROR,
            "Another request saved a person with one of these identifiers at the same moment; send this "
            "participant again.",
        ) from None


def participant_add(checked: Checked, *, version: FlowVersion, entry_id: str, base: str) -> Outcome:
    """Match, save and enter one checked participant (call inside a savepoint: a Rejected raised here
    has written nothing). A refusal by the flow's re-entry setting or frequency cap keeps the person's
    changes and the refusal on their timeline, as any entry does."""
    person = person_save(person_match(checked), checked, flow_id=version.flow_id, base=base)
    entry = entries.enter(
        version=version, person=person, entry_id=entry_id, source="flow api", variables=checked.variables
    )
    if entry.participant is not None:
        return Outcome(person=person, participant=entry.participant)
    # entries.enter asks the re-entry setting first, then the frequency cap: "after leaving" refuses
    # exactly the persons still in the flow.
    still_in = (
        version_definition(version).reentry == "after_leaving"
        and Participant.objects.filter(
            version__flow_id=version.flow_id, person=person, status__in=entries.LIVE
        ).exists()
    )
    return Outcome(
        person=person,
        participant=None,
        reason=PERSON_IN_FLOW if still_in else NOT_ALLOWED_TO_REENTER,
        message=entry.refusal,
    )
