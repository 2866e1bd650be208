"""CSV export of persons: standard attributes, company, tags and every custom attribute, streamed in
chunks of persons (keyset pages by id), so memory stays flat whatever the number of persons."""

import csv
import logging
import re
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse

from people.attributes import to_json
from people.models import AttributeDefinition, AttributeValue, Person
from people.selectors import COLUMNS, persons_filtered

STANDARD_COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "external_id",
    "language",
    "timezone",
    "opt_in",
    "birth_date",
]
CHUNK = 2000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); a plain number
# such as an E.164 phone "+32470123456" or "-5" is not a formula and stays as it is.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
# The last line of a streamed CSV whose rows could not all be read (see csv_lines).
EXPORT_FAILED = "# export failed: a server error stopped it here; the rows above are incomplete."

logger = logging.getLogger(__name__)


def csv_safe(value: str) -> str:
    """The cell prefixed with a quote when a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def persons_export_rows(persons: QuerySet[Person], *, chunk: int = CHUNK) -> Iterator[list[str]]:
    """The header, then one row per person of `persons` (in id order), every cell CSV-injection safe."""
    definitions = list(AttributeDefinition.objects.order_by("key"))
    yield [
        "id",
        *STANDARD_COLUMNS,
        "company",
        "tags",
        *[d.key for d in definitions],
        "created_at",
        "updated_at",
    ]
    persons = (
        persons.order_by("pk")
        .select_related("company")
        .prefetch_related(
            "tags", Prefetch("attribute_values", queryset=AttributeValue.objects.select_related("definition"))
        )
    )
    last = 0
    while page := list(persons.filter(pk__gt=last)[:chunk]):
        for person in page:
            values = {v.definition_id: v for v in person.attribute_values.all()}
            custom = []
            for d in definitions:
                stored = values.get(d.pk)
                raw = None if stored is None else getattr(stored, COLUMNS[d.data_type])
                custom.append(to_json(d.data_type, raw, number_kind=d.number_kind))
            cells = [
                person.pk,
                *[getattr(person, name) for name in STANDARD_COLUMNS],
                person.company.name if person.company else "",
                sorted(t.name for t in person.tags.all()),
                *custom,
                person.created_at.isoformat(),
                person.updated_at.isoformat(),
            ]
            yield [csv_safe(cell_text(c)) for c in cells]
        last = page[-1].pk


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterator[list[Any]]) -> Iterator[str]:
    """CSV text lines of rows, for a StreamingHttpResponse (a BOM first, so spreadsheets read UTF-8).

    The status (200) and the first lines are sent before the last rows are read, so an error while
    reading cannot become an error response any more; raised out of the stream it would leave the
    response without its end (the client waits for more). Instead it is logged and the body ends with
    EXPORT_FAILED, a last line that tells the reader, and any program checking the end, that the rows
    above are incomplete."""
    writer = csv.writer(_Echo())
    lines = ["\ufeff"]
    try:
        for row in rows:
            lines.append(writer.writerow(row))
            if len(lines) >= 500:  # a few hundred rows per chunk of the response, not one write per row
                yield "".join(lines)
                lines = []
    except Exception:
        logger.exception("Streamed CSV export failed after the response started; its body ends with a note")
        lines.append(writer.writerow([EXPORT_FAILED]))
    yield "".join(lines)


def persons_export_response(params: Any) -> StreamingHttpResponse:
    """A streamed CSV of the persons matching the People filters in `params` (search or q, tag,
    company, segment, via), for the page and the API."""
    persons = persons_filtered(
        search=params.get("search", params.get("q", "")),
        tag=params.get("tag", ""),
        company=params.get("company", ""),
        segment=params.get("segment", ""),
        via=params.get("via", ""),
    )
    response = StreamingHttpResponse(
        csv_lines(persons_export_rows(persons)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="persons.csv"'
    return response
