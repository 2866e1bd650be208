"""CSV/TSV import of persons: upload, delimiter and encoding detection, column mapping, and the
background run that upserts persons batch by batch.

Values are validated by the same functions as the API (people.attributes: normalise_phone,
normalise_email, validate_timezone, parse_value); a CSV cell is text, so only BOOLEAN ("yes", "1", …)
and LIST (items separated by commas) cells are turned into the JSON shape parse_value expects.

A run commits one transaction per batch of IMPORT_BATCH_SIZE data rows (default 1,000): the persons,
their tags and custom attributes, the change events (people.changes: the PersonChange log and the
outbox event, like the per-person services) and the import's counters, `processed` included. A batch
reads what it needs (persons by identifier, companies, stored values) in a few queries and writes each
table with people.bulk (a few statements, not a row or a value at a time). The run is an outbox event
("person_import.run", handled by the engine worker in slices of a few seconds): a run that is killed
loses only its open batch; taken up again, it skips the `processed` rows and continues, so no row is
imported twice.
"""

import codecs
import csv
import datetime as dt
import io
import itertools
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import get_valid_filename

from people import bulk, changes, outbox
from people.attributes import (
    AttributeValueError,
    normalise_email,
    normalise_phone,
    parse_value,
    to_json,
    validate_timezone,
)
from people.exports import csv_safe
from people.models import (
    AttributeDefinition,
    AttributeListItem,
    AttributeValue,
    Company,
    Person,
    PersonImport,
    PersonImportRejection,
    Tag,
)

logger = logging.getLogger(__name__)
# The outbox topic that runs an import (people/handlers.py).
IMPORT_RUN = "person_import.run"

DT = AttributeDefinition.DataType
VALUE_COLUMNS = ("value_bool", "value_text", "value_number", "value_date", "value_datetime", "value_list")
COLUMN_OF = dict(zip(DT.values, VALUE_COLUMNS, strict=True))

DELIMITERS = {",": "comma", ";": "semicolon", "|": "pipe", "\t": "tab"}
IGNORE = "ignore"
# Mapping targets besides the custom attribute keys, in the order the page lists them.
STANDARD_TARGETS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "external_id": "External id",
    "language": "Language",
    "timezone": "Timezone",
    "opt_in": "Opt-in",
    "birth_date": "Birth date",
    "company": "Company (by name)",
}
MAX_LENGTH = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "external_id": 100,
    "language": 16,
    "company": 200,
}
PREVIEW_ROWS = 5
LATIN1_NOTE = (
    "The file is not valid UTF-8, so it was read as Latin-1 (ISO-8859-1): check the accented letters in "
    "the preview, or save the file as UTF-8 and upload it again."
)
# Header names (lower-cased, letters and digits only) each standard target is suggested for.
SYNONYMS = {
    "first_name": {"firstname", "first", "givenname", "forename", "voornaam", "prenom", "vorname"},
    "last_name": {"lastname", "last", "surname", "familyname", "achternaam", "nom", "nachname"},
    "email": {"email", "emailaddress", "mail", "emailadres", "courriel"},
    "phone": {
        "phone",
        "phonenumber",
        "mobile",
        "mobilephone",
        "mobilenumber",
        "cell",
        "cellphone",
        "tel",
        "telephone",
        "msisdn",
        "gsm",
        "telefoon",
    },
    "external_id": {"externalid", "extid", "customerid", "crmid", "clientid", "reference", "ref"},
    "language": {"language", "lang", "locale", "taal", "langue"},
    "timezone": {"timezone", "tz", "timezonename"},
    "opt_in": {"optin", "optedin", "consent", "subscribed"},
    "birth_date": {"birthdate", "dateofbirth", "dob", "birthday", "geboortedatum"},
    "company": {"company", "companyname", "organisation", "organization", "employer", "bedrijf"},
}
TRUE_WORDS = {"true", "yes", "y", "1", "on", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "off", "f"}
# Cells an export escaped against CSV injection ("'=SUM(…)") come back without the quote.
ESCAPED = re.compile(r"^'[=+\-@\t\r]")


FILE_MISSING = "The file of this import is no longer stored on the server. Upload it again."


class ImportRefused(ValueError):
    """An upload or a mapping that cannot be used; the message says why, for the user."""


class ImportFileMissing(ImportRefused):
    """The import's stored file is gone (removed from the media storage): nothing can be read from it."""


def import_max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def import_batch_size() -> int:
    return settings.IMPORT_BATCH_SIZE


# --- reading files ----------------------------------------------------------------------------


def detect_encoding(file: Any) -> str:
    """ "utf-8-sig" (UTF-8 with or without a BOM) when the whole file decodes as UTF-8, else "latin-1",
    which decodes any byte. Reads the file in chunks (memory stays flat)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    finally:
        file.seek(0)
    return "utf-8-sig"


def detect_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample (its first lines): comma, semicolon, pipe or tab.

    csv.Sniffer restricted to those four; when it cannot decide (one column, ragged rows), the one found
    most often on the first line; comma when there is none."""
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        sample = "\n".join(lines[:-1])  # a cut-off last line misleads the sniffer
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def delimiter_label(delimiter: str) -> str:
    return DELIMITERS.get(delimiter, f"custom ({delimiter})")


@contextmanager
def open_text(person_import: PersonImport) -> Iterator[TextIO]:
    """The stored file as text in its encoding (a BOM is dropped), streamed from the storage.
    ImportFileMissing when the file is no longer stored."""
    try:
        stored = person_import.file.open("rb") if person_import.file else None
    except FileNotFoundError:
        stored = None
    if stored is None:
        logger.warning(
            "Import %s: its file %r is not in the storage", person_import.pk, person_import.file.name
        )
        raise ImportFileMissing(FILE_MISSING)
    with stored as raw:
        text = io.TextIOWrapper(raw, encoding=person_import.encoding, newline="")
        try:
            yield text
        finally:
            text.detach()


def read_records(text: TextIO, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells) of every non-blank record, header included."""
    reader = csv.reader(text, delimiter=delimiter)
    line = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


def columns_of(header: list[str] | None, width: int) -> list[str]:
    """Column names: the header's cells (blank ones named by position), or "Column 1", "Column 2", …"""
    header = header or []
    names = [(header[i].strip() if i < len(header) else "") or f"Column {i + 1}" for i in range(width)]
    return names


@dataclass
class Preview:
    columns: list[str]
    rows: list[list[str]]
    delimiter: str
    encoding: str
    note: str
    suggestions: list[str]


def import_preview(person_import: PersonImport) -> Preview:
    """The detected columns, the first PREVIEW_ROWS data rows and a suggested target per column."""
    with open_text(person_import) as text:
        records = read_records(text, person_import.delimiter)
        head = [cells for _, cells in itertools.islice(records, PREVIEW_ROWS + 1)]
    header = head.pop(0) if person_import.has_header and head else None
    rows = head[:PREVIEW_ROWS]
    width = max([len(header or [])] + [len(r) for r in rows] + [0])
    columns = columns_of(header, width)
    rows = [r + [""] * (width - len(r)) for r in rows]
    definitions = list(AttributeDefinition.objects.order_by("key"))
    return Preview(
        columns=columns,
        rows=rows,
        delimiter=person_import.delimiter,
        encoding=person_import.encoding,
        note=LATIN1_NOTE if person_import.encoding == "latin-1" else "",
        suggestions=suggest_mapping(columns if header else [], definitions, width=width),
    )


def _simple(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def suggest_mapping(
    columns: list[str], definitions: list[AttributeDefinition], *, width: int | None = None
) -> list[str]:
    """A target per column from its header name: a standard attribute by its key or a usual synonym
    ("E-mail", "Mobile", "Given name"), a custom attribute by its key or label, else "ignore".
    Each target is suggested once (for the first column that fits)."""
    custom = {}
    for definition in definitions:
        custom.setdefault(_simple(definition.key), definition.key)
        custom.setdefault(_simple(definition.label), definition.key)
    suggestions: list[str] = []
    taken: set[str] = set()
    for name in columns:
        simple = _simple(name)
        target = next(
            (key for key, words in SYNONYMS.items() if simple == _simple(key) or simple in words), ""
        )
        target = target or custom.get(simple, "")
        if not target or target in taken:
            target = IGNORE
        taken.add(target)
        suggestions.append(target)
    if width is not None:
        suggestions += [IGNORE] * (width - len(suggestions))
    return suggestions


def mapping_targets() -> list[tuple[str, str]]:
    """(value, label) of every mapping target: "ignore", the standard attributes, the custom ones."""
    custom = [
        (d.key, f"{d.label} ({d.key}, {d.data_type.lower()})") for d in AttributeDefinition.objects.all()
    ]
    return [(IGNORE, "— ignore —"), *STANDARD_TARGETS.items(), *custom]


def mapping_clean(mapping: Any, columns: list[str], *, upsert_key: str) -> list[str]:
    """The mapping as one target per column. Accepts a list (by position) or an object keyed by
    column name. Raises ImportRefused for unknown targets, a target used twice, or an upsert key
    that no column is mapped to."""
    if isinstance(mapping, dict):
        unknown = [name for name in mapping if name not in columns]
        if unknown:
            raise ImportRefused(f"No column is named {', '.join(map(repr, unknown))}.")
        mapping = [mapping.get(name) or IGNORE for name in columns]
    if not isinstance(mapping, list) or not all(isinstance(t, str) for t in mapping):
        raise ImportRefused("The mapping is a list of targets, one per column, or an object column → target.")
    if len(mapping) > len(columns):
        raise ImportRefused(
            f"The mapping has {len(mapping)} targets but the file has {len(columns)} columns."
        )
    mapping = [t.strip() or IGNORE for t in mapping] + [IGNORE] * (len(columns) - len(mapping))
    custom = set(AttributeDefinition.objects.values_list("key", flat=True))
    unknown = sorted({t for t in mapping if t != IGNORE and t not in STANDARD_TARGETS and t not in custom})
    if unknown:
        raise ImportRefused(f"Unknown attribute {', '.join(map(repr, unknown))}.")
    used = [t for t in mapping if t != IGNORE]
    twice = sorted({t for t in used if used.count(t) > 1})
    if twice:
        raise ImportRefused(f"Several columns are mapped to {', '.join(twice)}; map each attribute once.")
    if upsert_key not in PersonImport.UpsertKey.values:
        raise ImportRefused('The upsert key is "phone", "email" or "external_id".')
    if upsert_key not in used:
        raise ImportRefused(f"Map a column to {upsert_key} to match existing persons by {upsert_key}.")
    return mapping


def delimiter_clean(value: str | None) -> str | None:
    """None (detect), or one character; "tab" and "\\t" mean a tab."""
    if value is None or value == "":
        return None
    if value in ("tab", "\\t"):
        return "\t"
    if len(value) != 1 or value in '\r\n"':
        raise ImportRefused("The delimiter is one character (not a quote or a line break).")
    return value


# --- services ---------------------------------------------------------------------------------


@transaction.atomic
def person_import_create(
    *,
    file: UploadedFile,
    created_by: AbstractBaseUser | None = None,
    delimiter: str | None = None,
    has_header: bool = True,
) -> PersonImport:
    """Store an uploaded CSV/TSV (at most IMPORT_MAX_BYTES) under imports/ in the default storage,
    with its encoding (UTF-8, else Latin-1) and its delimiter (given, else detected). Status "new":
    nothing is imported until person_import_start. Raises ImportRefused."""
    limit = import_max_bytes()
    if file.size is None or file.size > limit:
        raise ImportRefused(f"The file is larger than {limit / 1024 / 1024:g} MiB.")
    if file.size == 0:
        raise ImportRefused("The file is empty.")
    delimiter = delimiter_clean(delimiter)
    encoding = detect_encoding(file)
    head = file.read(64 * 1024)
    file.seek(0)
    if b"\x00" in head:
        raise ImportRefused("This is not a CSV or TSV text file.")
    if delimiter is None:
        delimiter = detect_delimiter(head.decode(encoding, errors="ignore"))
    name = PurePosixPath((file.name or "").replace("\\", "/")).name[:200] or "import.csv"
    person_import = PersonImport(
        original_name=name,
        size=file.size,
        encoding=encoding,
        delimiter=delimiter,
        has_header=has_header,
        created_by=created_by,
    )
    stem = get_valid_filename(name) if name.strip(" ._") else "import.csv"
    person_import.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{stem[:100]}", File(file), save=False)
    person_import.save()
    return person_import


@transaction.atomic
def person_import_start(
    *,
    person_import: PersonImport,
    mapping: Any,
    upsert_key: str,
    tags: list[Tag] | None = None,
    delimiter: str | None = None,
    has_header: bool | None = None,
) -> PersonImport:
    """Fix the mapping, tags and upsert key of a new import and queue its run (after commit).
    Raises ImportRefused (a bad mapping, or an import that was already started)."""
    locked = PersonImport.objects.select_for_update().get(pk=person_import.pk)
    if locked.status != PersonImport.Status.NEW:
        raise ImportRefused("This import was already started.")
    if delimiter:
        person_import.delimiter = delimiter_clean(delimiter) or person_import.delimiter
    if has_header is not None:
        person_import.has_header = has_header
    columns = import_preview(person_import).columns
    if not columns:
        raise ImportRefused("The file has no rows.")
    person_import.mapping = mapping_clean(mapping, columns, upsert_key=upsert_key)
    person_import.upsert_key = upsert_key
    person_import.status = PersonImport.Status.QUEUED
    person_import.save()
    person_import.tags.set(tags or [])
    outbox.publish(IMPORT_RUN, {"import_id": person_import.pk})
    return person_import


class _Superseded(Exception):
    """Another run of the same import moved on (a retried task while the first still runs)."""


def person_import_run(import_id: int, *, slice_seconds: float | None = None) -> None:
    """Run a queued (or interrupted) import: batches of IMPORT_BATCH_SIZE rows, each in one transaction
    with the counters. Rows already `processed` are skipped, so running it again after a crash continues
    where the last committed batch ended. With `slice_seconds`, stop after about that long and hand the
    rest to a new outbox event (so no worker's claim outlives its lease). A failure of the file itself
    marks the import failed with the error; a row's failure only rejects that row."""
    deadline = time.monotonic() + slice_seconds if slice_seconds is not None else None
    person_import = PersonImport.objects.filter(pk=import_id).first()
    if person_import is None or person_import.status not in (
        PersonImport.Status.QUEUED,
        PersonImport.Status.RUNNING,
    ):
        return
    try:
        if person_import.total is None:
            with open_text(person_import) as text:
                rows = sum(1 for _ in read_records(text, person_import.delimiter))
            person_import.total = max(rows - (1 if person_import.has_header else 0), 0)
        person_import.status = PersonImport.Status.RUNNING
        person_import.started_at = person_import.started_at or timezone.now()
        person_import.save(update_fields=["total", "status", "started_at"])
        context = _Context.load(person_import)
        with open_text(person_import) as text:
            records = read_records(text, person_import.delimiter)
            if person_import.has_header:
                next(records, None)
            offset = person_import.processed
            records = itertools.islice(records, offset, None)
            while batch := list(itertools.islice(records, context.batch_size)):
                _batch_commit(context, offset, batch)
                offset += len(batch)
                if deadline is not None and time.monotonic() >= deadline:
                    with transaction.atomic():
                        outbox.publish(IMPORT_RUN, {"import_id": import_id})
                    return
    except _Superseded:
        return
    except Exception as exc:
        logger.exception("Import %s failed", import_id)
        PersonImport.objects.filter(pk=import_id).update(
            status=PersonImport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return
    PersonImport.objects.filter(pk=import_id, status=PersonImport.Status.RUNNING).update(
        status=PersonImport.Status.DONE, finished_at=timezone.now()
    )


# --- one batch --------------------------------------------------------------------------------


@dataclass
class _Context:
    person_import: PersonImport
    columns: list[str]
    targets: list[tuple[int, str]]  # (column index, target) of the mapped columns
    definitions: dict[str, AttributeDefinition]
    tags: list[Tag]
    batch_size: int

    @classmethod
    def load(cls, person_import: PersonImport) -> "_Context":
        preview = import_preview(person_import)
        mapping = person_import.mapping
        return cls(
            person_import=person_import,
            columns=preview.columns,
            targets=[(i, t) for i, t in enumerate(mapping) if t != IGNORE],
            definitions={d.key: d for d in AttributeDefinition.objects.filter(key__in=mapping)},
            tags=list(person_import.tags.order_by("name")),
            batch_size=import_batch_size(),
        )


@dataclass
class _Row:
    line: int
    cells: list[str]
    fields: dict[str, Any] = field(default_factory=dict)
    company: str | None = None
    attributes: dict[AttributeDefinition, Any] = field(default_factory=dict)


@dataclass
class _Outcome:
    created: int = 0
    updated: int = 0
    rejections: list[PersonImportRejection] = field(default_factory=list)


def _batch_commit(context: _Context, offset: int, records: list[tuple[int, list[str]]]) -> None:
    pk = context.person_import.pk
    outcome = _Outcome()
    rows: list[_Row] = []
    for line, cells in records:
        parsed = _row_parse(context, line, cells)
        if isinstance(parsed, _Row):
            rows.append(parsed)
        else:
            outcome.rejections.append(parsed)
    with transaction.atomic(), changes.source(f"import:{pk}"):
        locked = PersonImport.objects.select_for_update().filter(pk=pk).values("processed", "status").first()
        if not locked or locked["processed"] != offset or locked["status"] != PersonImport.Status.RUNNING:
            raise _Superseded
        try:
            with transaction.atomic():
                written = _Outcome()
                _rows_write(context, rows, written)
        except IntegrityError:
            # A concurrent write took an email, phone or external id the batch checked as free: row by
            # row, so only the rows that clash are rejected.
            written = _Outcome()
            for row in rows:
                one = _Outcome()
                try:
                    with transaction.atomic():
                        _rows_write(context, [row], one)
                except IntegrityError:
                    message = "Another person has this email, phone or external id."
                    one = _Outcome(rejections=[_rejection(context, row.line, row.cells, "", message)])
                written.created += one.created
                written.updated += one.updated
                written.rejections += one.rejections
        outcome.created, outcome.updated = written.created, written.updated
        outcome.rejections += written.rejections
        outcome.rejections.sort(key=lambda r: r.line)
        for rejection in outcome.rejections:
            rejection.person_import_id = pk
        PersonImportRejection.objects.bulk_create(outcome.rejections)
        PersonImport.objects.filter(pk=pk).update(
            processed=F("processed") + len(records),
            created=F("created") + outcome.created,
            updated=F("updated") + outcome.updated,
            rejected=F("rejected") + len(outcome.rejections),
        )


def _rejection(
    context: _Context, line: int, cells: list[str], column: str, message: str
) -> PersonImportRejection:
    return PersonImportRejection(line=line, errors=[{"column": column, "message": message}], values=cells)


def _csv_raw(definition: AttributeDefinition, cell: str) -> Any:
    """A cell as the JSON value parse_value takes: booleans from words, lists split on commas."""
    if definition.data_type == DT.BOOLEAN:
        return _csv_bool(cell)
    if definition.data_type == DT.LIST:
        return [item for item in cell.split(",") if item.strip()]
    return cell


def _csv_bool(cell: str) -> Any:
    word = cell.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return cell  # parse_value refuses it with its own message


def _standard_parse(target: str, cell: str) -> Any:
    limit = MAX_LENGTH.get(target)
    if limit and len(cell) > limit:
        raise AttributeValueError(f"At most {limit} characters.")
    if target == "email":
        value = normalise_email(cell)
        try:
            validate_email(value)
        except ValidationError as exc:
            raise AttributeValueError("Enter a valid email address.") from exc
        return value
    if target == "phone":
        return normalise_phone(cell)
    if target == "timezone":
        return validate_timezone(cell)
    if target == "opt_in":
        try:
            return parse_value(DT.BOOLEAN, _csv_bool(cell))
        except AttributeValueError as exc:
            raise AttributeValueError("Must be true or false (yes/no, 1/0).") from exc
    if target == "birth_date":
        return parse_value(DT.DATE, cell)
    return cell


def _row_parse(context: _Context, line: int, cells: list[str]) -> _Row | PersonImportRejection:
    """The row's values, validated; or its rejection with every error it has. A blank cell leaves the
    attribute as it is."""
    if len(cells) > len(context.columns):
        return _rejection(
            context,
            line,
            cells,
            "",
            f"{len(cells)} values where the file has {len(context.columns)} columns.",
        )
    row = _Row(line=line, cells=cells)
    errors = []
    for index, target in context.targets:
        cell = cells[index].strip() if index < len(cells) else ""
        if ESCAPED.match(cell):
            cell = cell[1:]
        if not cell:
            continue
        try:
            if target == "company":
                if len(cell) > MAX_LENGTH["company"]:
                    raise AttributeValueError(f"At most {MAX_LENGTH['company']} characters.")
                row.company = cell
            elif target in STANDARD_TARGETS:
                row.fields[target] = _standard_parse(target, cell)
            else:
                definition = context.definitions[target]
                raw = _csv_raw(definition, cell)
                row.attributes[definition] = parse_value(
                    definition.data_type, raw, number_kind=definition.number_kind
                )
        except AttributeValueError as exc:
            errors.append({"column": context.columns[index], "message": str(exc)})
    if errors:
        return PersonImportRejection(line=line, errors=errors, values=cells)
    return row


IDENTIFIERS = ("phone", "email", "external_id")
IDENTIFIER_TAKEN = {
    "phone": "Another person already has this phone number.",
    "email": "Another person already has this email address.",
    "external_id": "Another person already has this external id.",
}


def _rows_write(context: _Context, rows: list[_Row], outcome: _Outcome) -> None:
    """Create or update the persons of valid rows in bulk, with their tags, custom attributes and
    change events; rows whose identifiers belong to someone else are added to the rejections."""
    if not rows:
        return
    key = context.person_import.upsert_key
    at = timezone.now()
    # Who holds each identifier value the rows mention (one query per identifier).
    holders: dict[tuple[str, str], int] = {}
    for name in IDENTIFIERS:
        values = {row.fields[name] for row in rows if row.fields.get(name)}
        if values:
            for pk, value in Person.objects.filter(**{f"{name}__in": values}).values_list("pk", name):
                holders[(name, value)] = pk
    existing = {
        pk: person
        for pk, person in Person.objects.in_bulk(
            {holders[(key, row.fields[key])] for row in rows if (key, row.fields.get(key)) in holders}
        ).items()
    }
    companies = _companies(rows)
    company_names = {c.pk: c.name for c in companies.values()}
    before: dict[int, dict[str, Any]] = {}  # snapshots of the existing persons touched
    new: dict[int, Person] = {}  # id() of the Person object → the object
    targets: list[tuple[_Row, Person]] = []
    pending: dict[str, Person] = {}  # upsert key value → a person created earlier in this batch
    for row in rows:
        value = row.fields.get(key)
        person = existing.get(holders.get((key, value))) if value else None
        person = person or (pending.get(value) if value else None)
        token = (person.pk or id(person)) if person is not None else None
        clash = next(
            (
                name
                for name in IDENTIFIERS
                if row.fields.get(name)
                and (name, row.fields[name]) in holders
                and holders[(name, row.fields[name])] != token
            ),
            None,
        )
        if clash:
            outcome.rejections.append(
                _rejection(context, row.line, row.cells, _column_of(context, clash), IDENTIFIER_TAKEN[clash])
            )
            continue
        if person is None:
            person = Person()
            new[id(person)] = person
            outcome.created += 1
        else:
            outcome.updated += 1
            if person.pk and person.pk not in before:
                before[person.pk] = changes.snapshot(person)
        token = person.pk or id(person)
        for name in IDENTIFIERS:  # claim them: a later row of the batch may not take them
            if row.fields.get(name):
                holders[(name, row.fields[name])] = token
        if value:
            pending.setdefault(value, person)
        for name, field_value in row.fields.items():
            setattr(person, name, field_value)
        if row.company:
            person.company = companies[row.company.lower()]
        targets.append((row, person))
    created = list(new.values())
    _persons_insert(created, at)
    empty = changes.snapshot(Person())
    found: list[changes.PersonChanged] = []
    for person in created:
        found += changes.person_diff(empty, person, at=at, company_names=company_names)
    touched: set[int] = set()
    for pk, snapshot in before.items():
        diff = changes.person_diff(snapshot, existing[pk], at=at, company_names=company_names)
        if diff:
            touched.add(pk)
            found += diff
    found += _tags_write(context, [p for p in created], list(existing.values()), before, at)
    found += _attributes_write(targets, before, at, touched)
    if touched:
        for pk in touched:
            existing[pk].updated_at = at
        fields = sorted({name for row, _ in targets for name in row.fields} | {"company_id", "updated_at"})
        bulk.update(Person, fields, [(pk, *(getattr(existing[pk], f) for f in fields)) for pk in touched])
    changes.record(found)


def _persons_insert(persons: list[Person], at: dt.datetime) -> None:
    """Insert new persons and set their ids: Person.objects.bulk_create's work (every column from the
    instance, created and updated at `at`) through people.bulk.insert, without its per-value overhead."""
    fields = [f.attname for f in Person._meta.concrete_fields if not f.primary_key]
    for person in persons:
        person.created_at = person.updated_at = at
    rows = [tuple(getattr(person, name) for name in fields) for person in persons]
    for person, pk in zip(persons, bulk.insert(Person, fields, rows, returning="id"), strict=True):
        person.pk = pk
        person._state.adding = False
        person._state.db = Person.objects.db


def _column_of(context: _Context, target: str) -> str:
    return next((context.columns[i] for i, t in context.targets if t == target), target)


def _companies(rows: list[_Row]) -> dict[str, Company]:
    """The companies named by the rows (matched ignoring case), created when missing."""
    names: dict[str, str] = {}
    for row in rows:
        if row.company:
            names.setdefault(row.company.lower(), row.company)  # the first spelling names a new company
    if not names:
        return {}
    found = {c.name.lower(): c for c in Company.objects.annotate(lname=Lower("name")).filter(lname__in=names)}
    missing = [Company(name=name) for lower, name in names.items() if lower not in found]
    if missing:
        Company.objects.bulk_create(missing, ignore_conflicts=True)
        found.update(
            {
                c.name.lower(): c
                for c in Company.objects.annotate(lname=Lower("name")).filter(
                    lname__in=[c.name.lower() for c in missing]
                )
            }
        )
    return found


def _tags_write(
    context: _Context, created: list[Person], existing: list[Person], before: dict[int, Any], at: dt.datetime
) -> list[changes.PersonChanged]:
    if not context.tags:
        return []
    through = Person.tags.through
    matched = [p.pk for p in existing if p.pk in before]
    had = set(
        through.objects.filter(person_id__in=matched, tag__in=context.tags).values_list("person_id", "tag_id")
    )
    links = [
        (pk, tag.pk)
        for pk in [p.pk for p in created] + matched
        for tag in context.tags
        if (pk, tag.pk) not in had
    ]
    bulk.insert(through, ("person", "tag"), links)
    names = {tag.pk: tag.name for tag in context.tags}
    source = changes.current_source()
    return [
        changes.TagAdded(person_id=person_id, at=at, source=source, tag_id=tag_id, tag=names[tag_id])
        for person_id, tag_id in links
    ]


def _attributes_write(
    targets: list[tuple[_Row, Person]], before: dict[int, Any], at: dt.datetime, touched: set[int]
) -> list[changes.PersonChanged]:
    """Upsert the custom attribute values (the last row wins for a person named twice)."""
    values: dict[tuple[int, AttributeDefinition], Any] = {}
    for row, person in targets:
        for definition, value in row.attributes.items():
            values[(person.pk, definition)] = value
    if not values:
        return []
    definitions = {d.pk: d for _, d in values}
    old: dict[tuple[int, int], Any] = {}
    matched = [pk for pk in before]
    if matched:
        for person_id, definition_id, *columns in AttributeValue.objects.filter(
            person_id__in=matched, definition__in=list(definitions)
        ).values_list("person_id", "definition_id", *VALUE_COLUMNS):
            d = definitions[definition_id]
            stored = dict(zip(VALUE_COLUMNS, columns, strict=True))[COLUMN_OF[d.data_type]]
            old[(person_id, d.pk)] = to_json(d.data_type, stored, number_kind=d.number_kind)
    source = changes.current_source()
    found: list[changes.PersonChanged] = []
    rows: list[tuple[Any, ...]] = []
    lists: list[tuple[int, AttributeDefinition, list[str]]] = []
    for (person_id, definition), value in values.items():
        new = to_json(definition.data_type, value, number_kind=definition.number_kind)
        previous = old.get((person_id, definition.pk))
        if new == previous:
            continue
        columns = dict.fromkeys(VALUE_COLUMNS)
        columns[COLUMN_OF[definition.data_type]] = value
        rows.append((person_id, definition.pk, *columns.values(), at))
        if definition.data_type == DT.LIST:
            lists.append((person_id, definition, value))
        found.append(
            changes.AttributeChanged(
                person_id=person_id, at=at, source=source, key=definition.key, old=previous, new=new
            )
        )
        if person_id in before:
            touched.add(person_id)
    bulk.insert(
        AttributeValue,
        ("person", "definition", *VALUE_COLUMNS, "updated_at"),
        rows,
        unique_fields=("person", "definition"),
        update_fields=(*VALUE_COLUMNS, "updated_at"),
    )
    if lists:
        for definition in {d for _, d, _ in lists}:
            AttributeListItem.objects.filter(
                definition=definition, person_id__in=[pk for pk, d, _ in lists if d == definition]
            ).delete()
        bulk.insert(
            AttributeListItem,
            ("person", "definition", "value"),
            [(pk, d.pk, item.lower()) for pk, d, items in lists for item in items],
        )
    return found


def rejected_rows(person_import: PersonImport, *, chunk: int = 2000) -> Iterator[list[str]]:
    """The header (line, reason, the file's columns) and one row per rejected row, in line order."""
    try:
        columns = import_preview(person_import).columns
    except ImportFileMissing:  # the rejected rows are stored with their cells: list them unnamed
        columns = []
    yield ["line", "reason", *columns]
    rejections = person_import.rejections.order_by("line", "pk")
    last = (0, 0)
    while page := list(rejections.filter(line__gte=last[0]).exclude(line=last[0], pk__lte=last[1])[:chunk]):
        for rejection in page:
            yield [str(rejection.line), rejection.reason, *[csv_safe(v) for v in rejection.values]]
        last = (page[-1].line, page[-1].pk)
