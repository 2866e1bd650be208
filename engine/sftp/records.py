"""Reading a fetched file: UTF-8 text (a BOM is fine) split by the configured delimiter with the csv module,
a header row naming the columns, then one record per data row.

Every byte is hostile: a file that is not UTF-8, has NUL bytes (UTF-16 or binary), a field past the csv
module's limit (an unbalanced quote swallowing the rest of the file) or too many rows is refused as a
whole, with the line, before any row is imported (`count_rows` reads it all first).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

SAVE_AS = "Save it as UTF-8 CSV and upload it under a new name (a name already imported is never read again)."


class FileRefused(Exception):
    """The whole file cannot be imported; the message says why and what to do."""


@dataclass(frozen=True)
class Record:
    """A record of the file: `line` is where it starts (the header is line 1); blank lines have no cells."""

    line: int
    cells: list[str]


class Records:
    """The header and the records of a binary stream, read once from its current position.

    Use as a context manager: on exit the stream is left open (the text wrapper is detached from it).
    """

    def __init__(self, stream: BinaryIO, delimiter: str) -> None:
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
        self._reader = csv.reader(self._text, delimiter=delimiter, strict=False)
        self.delimiter = delimiter
        # Records read after the header (blank lines included): what a file's cursor counts.
        self.position = 0
        self._ahead: Record | None = None  # a record read to learn whether the file ends, not yet taken
        self.header = self._header()

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self._text.detach()

    def _header(self) -> list[str]:
        while (record := self._read()) is not None:
            if any(cell.strip() for cell in record.cells):
                return [cell.strip() for cell in record.cells]
        raise FileRefused("The file is empty: its first line must name the columns.")

    def _read(self) -> Record | None:
        start = self._reader.line_num + 1
        try:
            cells = next(self._reader)
        except StopIteration:
            return None
        except UnicodeDecodeError:  # check_text finds the line first; this is the safety net
            raise FileRefused(f"The file is not UTF-8 text. {SAVE_AS}") from None
        except csv.Error as exc:
            raise FileRefused(f"Line {start} cannot be read as CSV: {exc}. {SAVE_AS}") from None
        if any("\x00" in cell for cell in cells):
            raise FileRefused(f"Line {start} contains NUL bytes: this is not UTF-8 text (UTF-16?). {SAVE_AS}")
        return Record(start, cells)

    def _pull(self) -> Record | None:
        record, self._ahead = self._ahead, None
        return record if record is not None else self._read()

    def at_end(self) -> bool:
        """Whether every record has been taken."""
        if self._ahead is None:
            self._ahead = self._read()
        return self._ahead is None

    def __iter__(self) -> Iterator[Record]:
        while (record := self._pull()) is not None:
            self.position += 1
            yield record

    def take(self, count: int) -> list[Record]:
        """The next `count` records (fewer at the end of the file)."""
        taken = []
        for record in self:
            taken.append(record)
            if len(taken) >= count:
                break
        return taken

    def skip(self, count: int) -> None:
        """Pass over `count` records (those a previous slice handled)."""
        while self.position < count and self._pull() is not None:
            self.position += 1


def check_text(stream: BinaryIO, *, chunk: int = 1024 * 1024) -> None:
    """Read the stream to its end: FileRefused naming the first line that is not UTF-8 or holds a NUL byte.
    (The text wrapper decodes ahead in blocks, so its own error cannot tell the line.)"""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    while data := stream.read(chunk):
        if b"\x00" in data:
            line = lines_before + data[: data.index(b"\x00")].count(b"\n") + 1
            raise FileRefused(f"Line {line} contains NUL bytes: this is not UTF-8 text (UTF-16?). {SAVE_AS}")
        try:
            decoder.decode(data)
        except UnicodeDecodeError as exc:
            line = lines_before + data[: max(exc.start, 0)].count(b"\n") + 1
            raise FileRefused(
                f"The file is not UTF-8 text: line {line} has bytes that are not (Latin-1 or Windows-1252?). "
                f"{SAVE_AS}"
            ) from None
        lines_before += data.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileRefused(
            f"The file is not UTF-8 text: it ends in the middle of a character. {SAVE_AS}"
        ) from None


def is_blank(record: Record) -> bool:
    return not any(cell.strip() for cell in record.cells)


def count_rows(records: Records, *, max_rows: int) -> int:
    """Read every record to the end: the number of data rows (blank lines not counted). Raises FileRefused
    for an unreadable file or one with more than `max_rows` rows."""
    rows = 0
    for record in records:
        if not is_blank(record):
            rows += 1
            if rows > max_rows:
                raise FileRefused(
                    f"The file has more than {max_rows:,} rows; split it into files of at most "
                    f"{max_rows:,} rows and upload them under new names."
                )
    return rows
