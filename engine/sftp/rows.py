"""One row of an SFTP file: its mapping (which column is what), its validation, and entering it.

The contact rules (the seed's table): at least one contact column is mapped; a row is valid when every
non-empty contact value is valid and at least one is present. So a valid phone and a valid email: valid;
one valid and the other invalid: invalid; one valid and the other empty: valid; both empty: invalid.
Attribute values are checked by their type (a blank cell leaves the attribute as it is) and variable
values are coerced to the flow's declared types; any problem makes the row invalid and nothing of it is
written (a savepoint per row), while the other rows go on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, DataError, IntegrityError, transaction

from engine import entries
from engine.core import variables as flow_variables
from engine.sftp.records import FileRefused
from flowdesigner.models import FlowVersion
from people import services as people_services
from people.attributes import (
    STANDARD_ATTRIBUTES,
    AttributeValueError,
    normalise_email,
    normalise_phone,
    parse_value,
    validate_timezone,
)
from people.models import AttributeDefinition, Person

logger = logging.getLogger(__name__)
DT = AttributeDefinition.DataType
# Standard attributes a column may set; phone and email are the contact columns.
STANDARD_FIELDS = ("first_name", "last_name", "external_id", "language", "timezone", "opt_in", "birth_date")
TRUE_WORDS = {"true", "yes", "y", "1", "on", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "off", "f"}
SHOWN = 60  # characters of a hostile value quoted back in a reason


@dataclass(frozen=True)
class Mapping:
    """The columns of an SFTP Import entry point's config: contact, attributes and variables."""

    phone: str
    email: str
    attributes: tuple[tuple[str, str], ...]  # (column, attribute key)
    variables: tuple[tuple[str, str], ...]  # (column, variable name)

    @classmethod
    def from_config(cls, config: MappingType[str, Any]) -> Mapping:
        contact = config.get("contact") or {}
        return cls(
            phone=(contact.get("phone") or "").strip(),
            email=(contact.get("email") or "").strip(),
            attributes=tuple(
                (m["column"].strip(), (m.get("attribute") or "").strip())
                for m in config.get("attributes") or []
            ),
            variables=tuple(
                (m["column"].strip(), (m.get("variable") or "").strip())
                for m in config.get("variables") or []
            ),
        )

    def columns(self) -> list[str]:
        """Every mapped column name, in mapping order, once."""
        names = [self.phone, self.email, *(c for c, _ in self.attributes), *(c for c, _ in self.variables)]
        return list(dict.fromkeys(name for name in names if name))

    def check_header(self, header: list[str]) -> dict[str, int]:
        """The position of each mapped column in `header`; FileRefused naming the columns the header lacks
        (or has twice), so nothing of a file that does not fit the mapping is imported."""
        if not self.phone and not self.email:
            raise FileRefused("The entry point maps no contact column: map a phone or an email column.")
        missing = [name for name in self.columns() if name not in header]
        if missing:
            found = ", ".join(repr(name[:SHOWN]) for name in header[:20]) + (" …" if len(header) > 20 else "")
            raise FileRefused(
                f"The header has no column {_names(missing)}, which the entry point maps. "
                f"Its columns are: {found}. Column names must match exactly (case counts), and the "
                "delimiter must be the file's."
            )
        twice = [name for name in self.columns() if header.count(name) > 1]
        if twice:
            raise FileRefused(f"The header names the column {_names(twice)} more than once.")
        return {name: header.index(name) for name in self.columns()}


def _names(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)


def shown(value: str) -> str:
    """A cell quoted in a reason, cut short."""
    return repr(value if len(value) <= SHOWN else value[:SHOWN] + "…")


@dataclass(frozen=True)
class Problem:
    """Why a row is invalid: the column (or "" for the whole row) and the reason."""

    column: str
    reason: str


@dataclass
class Row:
    """A row's values, validated: contact, standard fields, custom attributes (as a CSV cell reads into
    the JSON the people services take) and the coerced variables."""

    phone: str | None = None
    email: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    attribute_columns: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def row_parse(
    cells: list[str],
    *,
    mapping: Mapping,
    positions: dict[str, int],
    width: int,
    definitions: dict[str, AttributeDefinition],
    variable_types: dict[str, str],
) -> Row:
    """Validate one record's cells; the returned row's `problems` list every reason it is invalid."""
    row = Row()

    def cell(column: str) -> str:
        index = positions.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    if len(cells) > width and any(c.strip() for c in cells[width:]):
        row.problems.append(Problem("", f"{len(cells)} values where the header has {width} columns."))
    _contact(row, mapping, cell)
    for column, key in mapping.attributes:
        raw = cell(column)
        if raw:  # a blank cell leaves the attribute as it is
            _attribute(row, column, key, raw, definitions)
    for column, name in mapping.variables:
        raw = cell(column)
        if not raw:
            continue  # the variable keeps its declared default
        type_name = variable_types.get(name)
        if type_name is None:
            row.problems.append(Problem(column, f"The flow declares no variable {name!r}."))
            continue
        try:
            row.variables[name] = flow_variables.coerce(raw, type_name)
        except flow_variables.VariableValueError as exc:
            row.problems.append(Problem(column, f"Variable {name} ({type_name}): {exc}."))
    return row


def _contact(row: Row, mapping: Mapping, cell) -> None:
    invalid = False
    if mapping.phone and (raw := cell(mapping.phone)):
        try:
            row.phone = normalise_phone(raw)
        except AttributeValueError:
            invalid = True
            row.problems.append(Problem(mapping.phone, f"{shown(raw)} is not a valid phone number."))
    if mapping.email and (raw := cell(mapping.email)):
        email = normalise_email(raw)
        try:
            validate_email(email)
            if len(email) > 254:
                raise ValidationError("too long")
            row.email = email
        except ValidationError:
            invalid = True
            row.problems.append(Problem(mapping.email, f"{shown(raw)} is not a valid email address."))
    if not invalid and row.phone is None and row.email is None:
        columns = [repr(c) for c in (mapping.phone, mapping.email) if c]
        if len(columns) == 1:
            where = f"the column {columns[0]} is empty"
        else:
            where = f"the columns {columns[0]} and {columns[1]} are both empty"
        row.problems.append(Problem(mapping.phone or mapping.email, f"No contact: {where}."))


def _attribute(
    row: Row, column: str, key: str, raw: str, definitions: dict[str, AttributeDefinition]
) -> None:
    try:
        if key in ("phone", "email"):
            raise AttributeValueError("a contact column; map it under contact information instead.")
        if key in STANDARD_FIELDS:
            row.fields[key] = _standard(key, raw)
        elif key in STANDARD_ATTRIBUTES:
            raise AttributeValueError("set by the system; it cannot be imported.")
        else:
            definition = definitions.get(key)
            if definition is None:
                raise AttributeValueError("there is no such attribute; create it in People first.")
            value = _custom(definition, raw)
            parse_value(definition.data_type, value, number_kind=definition.number_kind)
            row.attributes[key] = value
            row.attribute_columns[key] = column
    except AttributeValueError as exc:
        row.problems.append(Problem(column, f"{key}: {exc}"))


def _standard(key: str, raw: str) -> Any:
    if key == "opt_in":
        return _bool(raw, "Must be true or false (yes/no, 1/0).")
    if key == "birth_date":
        return parse_value(DT.DATE, raw)
    if key == "timezone":
        return validate_timezone(raw)
    limit = Person._meta.get_field(key).max_length
    if limit and len(raw) > limit:
        raise AttributeValueError(f"At most {limit} characters.")
    return raw


def _custom(definition: AttributeDefinition, raw: str) -> Any:
    """A cell as the JSON value the people services take: booleans from words, lists split on commas."""
    if definition.data_type == DT.BOOLEAN:
        return _bool(raw, "Must be true or false (yes/no, 1/0).")
    if definition.data_type == DT.LIST:
        return [item for item in raw.split(",") if item.strip()]
    return raw


def _bool(raw: str, message: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise AttributeValueError(message)


@dataclass(frozen=True)
class Outcome:
    """What became of a valid row: entered, refused by the flow (re-entry, frequency cap: the reason is on
    the person's timeline), or problems found while writing it (then nothing of it was written)."""

    entered: bool = False
    refusal: str = ""
    problems: tuple[Problem, ...] = ()


class _RowRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


def row_enter(row: Row, *, version: FlowVersion, node_id: str, mapping: Mapping) -> Outcome:
    """Find the row's person by phone, else by email (or create them, marked created_via "sftp:<flow>"),
    fill an empty phone or email, set the mapped attributes through the people services, and enter them
    into `version` at `node_id` with the row's variables. Call inside the slice's transaction: a savepoint
    makes the row all or nothing."""
    try:
        with transaction.atomic():
            person = _person_write(row, flow_id=version.flow_id, mapping=mapping)
            entry = entries.enter(
                version=version, person=person, entry_id=node_id, source="sftp", variables=row.variables
            )
    except _RowRefused as exc:
        return Outcome(problems=tuple(exc.problems))
    except people_services.AttributesInvalid as exc:
        return Outcome(
            problems=tuple(
                Problem(row.attribute_columns.get(k, ""), f"{k}: {m}") for k, m in exc.errors.items()
            )
        )
    except AttributeValueError as exc:
        return Outcome(problems=(Problem("", str(exc)),))
    except (IntegrityError, DataError) as exc:
        # A concurrent write took the phone, email or external id, or the database refused a value.
        reason = f"The person could not be saved: {str(exc).splitlines()[0][:200]}"
        return Outcome(problems=(Problem("", reason),))
    except DatabaseError:
        raise  # a lost connection or a locked database: the slice is retried, the row is not at fault
    except Exception:
        # One row must not stop the file (a bad row never blocks the others): it is reported invalid,
        # and the error is logged for the operators.
        logger.exception("SFTP row could not be entered into flow version %s", version.pk)
        return Outcome(
            problems=(Problem("", "An internal error stopped this row; it is logged for the operators."),)
        )
    return Outcome(entered=entry.participant is not None, refusal=entry.refusal)


def _person_write(row: Row, *, flow_id: int, mapping: Mapping) -> Person:
    by_phone = Person.objects.filter(phone=row.phone).first() if row.phone else None
    by_email = Person.objects.filter(email=row.email).first() if row.email else None
    if by_phone is not None and by_email is not None and by_phone.pk != by_email.pk:
        raise _RowRefused(
            [
                Problem(
                    mapping.phone,
                    f"The phone number belongs to person #{by_phone.pk} and the email address to "
                    f"person #{by_email.pk}: which one is meant is unclear.",
                )
            ]
        )
    person = by_phone or by_email
    if person is None:
        return people_services.person_create(
            phone=row.phone,
            email=row.email,
            created_via=f"sftp:{flow_id}",
            attributes=row.attributes or None,
            **row.fields,
        )
    fields = dict(row.fields)
    # Fill an identifier the person lacks; never replace one they have (the row found them by the other).
    if row.phone and not person.phone:
        fields["phone"] = row.phone
    if row.email and not person.email:
        fields["email"] = row.email
    if fields or row.attributes:
        people_services.person_update(person=person, fields=fields, attributes=row.attributes or None)
    return person
