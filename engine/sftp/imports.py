"""Importing the recorded files of a watched entry point, oldest first, in slices.

An "sftp.file" event downloads the file it works on (into a temporary file: nothing is kept between
events, so any worker can take the next one), reads it all once before the first row (the header must
have every mapped column, the file must be readable and within the limits: otherwise it fails as a whole,
nothing imported), then enters rows SFTP_SLICE_ROWS per transaction, each slice committing its rows,
their errors and the file's cursor together. Each slice enters its rows into the version people enter the
flow through at that moment, so a version published midway takes over the rows not yet imported. After
SFTP_IMPORT_SECONDS the event publishes its continuation in its last transaction and ends, well within its
lease; a worker killed midway loses only its open slice.
"""

from __future__ import annotations

import logging
import tempfile
import time
from typing import Literal

from django.db import transaction
from django.utils import timezone

from engine.core.elements.sftp_import import delimiter_char
from engine.definitions import version_definition
from engine.sftp import client, conf
from engine.sftp.models import SftpFile, SftpRowError, SftpWatch
from engine.sftp.records import FileRefused, Records, check_text, count_rows, is_blank
from engine.sftp.rows import Mapping, row_enter, row_parse
from engine.sftp.selectors import active_entry
from engine.sftp.services import IMPORT, connection_server, event_pending, watch_lock
from flowdesigner.models import Flow
from people import changes, outbox
from people.models import AttributeDefinition

logger = logging.getLogger(__name__)

# What became of a file for now: finished (done or failed), more slices to go, or waiting (the flow is
# paused, the server cannot be reached, the file is still being uploaded): the next poll tries again.
Progress = Literal["finished", "more", "waiting"]
KEPT_CELLS = 50  # of an invalid row, for the report (each cut to KEPT_CHARS)
KEPT_CHARS = 200
UNFINISHED = (SftpFile.Status.QUEUED, SftpFile.Status.PROCESSING)


def _unfinished(flow_id: int, node_id: str):
    return SftpFile.objects.filter(flow_id=flow_id, node_id=node_id, status__in=UNFINISHED).order_by("id")


def import_chain_start(watch: SftpWatch) -> None:
    """Publish the "sftp.file" event that imports the watch's waiting files, unless its chain runs.
    Call inside a transaction holding the watch's row lock; the caller saves the watch."""
    if event_pending(watch.import_event_id) or not _unfinished(watch.flow_id, watch.node_id).exists():
        return
    watch.import_event_id = outbox.publish(IMPORT, {"flow_id": watch.flow_id, "node_id": watch.node_id}).pk


def watch_import(*, flow_id: int, node_id: str, event_id: int) -> None:
    """The "sftp.file" handler's work: import waiting files for SFTP_IMPORT_SECONDS, then hand over to a
    continuation (more to do) or end the chain (nothing left, or waiting for the next poll)."""
    watch = SftpWatch.objects.filter(flow_id=flow_id, node_id=node_id).first()
    if watch is None or watch.import_event_id != event_id:
        return  # a stale duplicate: the chain went on without it
    deadline = time.monotonic() + conf.import_seconds()
    progress: Progress = "finished"
    while (file := _unfinished(flow_id, node_id).first()) is not None:
        progress = file_import(file, deadline=deadline)
        if progress != "finished" or time.monotonic() >= deadline:
            break
    with transaction.atomic():
        watch = watch_lock(flow_id, node_id)
        if watch.import_event_id != event_id:
            return
        watch.import_event_id = None
        if progress != "waiting" and _unfinished(flow_id, node_id).exists():
            watch.import_event_id = outbox.publish(IMPORT, {"flow_id": flow_id, "node_id": node_id}).pk
        watch.save(update_fields=["import_event_id"])


def file_import(file: SftpFile, *, deadline: float) -> Progress:
    """Import `file` from its cursor until it is finished or `deadline` (time.monotonic()) has passed;
    at least one slice is taken."""
    file.refresh_from_db()
    if file.status not in UNFINISHED:
        return "finished"
    stopped = _stopped(file)
    if stopped is not None:
        return stopped
    _, config = active_entry(file.flow, file.node_id)  # _stopped checked it is there
    if file.connection is None:
        return _fail(file, "The SFTP connection of this file was deleted; " + _rest(file))
    with tempfile.TemporaryFile() as local:
        try:
            download = client.download(
                connection_server(file.connection),
                file.remote_path,
                local,
                max_bytes=conf.max_file_bytes(),
                timeout=conf.download_timeout(),
            )
        except client.FileUnusable as exc:
            return _fail(file, f"{exc} {_rest(file)}" if file.rows_total is not None else str(exc))
        except client.SftpError as exc:
            SftpFile.objects.filter(pk=file.pk).update(error=f"{exc} Trying again at the next check.")
            return "waiting"
        if (download.size, download.mtime) != (file.size, file.mtime):
            if file.rows_total is None:
                # Listed mid-upload: take it once it has stopped changing.
                SftpFile.objects.filter(pk=file.pk).update(
                    size=download.size,
                    mtime=download.mtime,
                    error="The file changed since it was found (still being uploaded?); "
                    "it is imported at the next check.",
                )
                return "waiting"
            return _fail(
                file,
                "The file changed on the server during its import (files are read, never changed: upload "
                f"new rows as a new file). {_rest(file)}",
            )
        local.seek(0)
        if file.rows_total is None:
            try:
                check_text(local)
                local.seek(0)
                with Records(local, delimiter_char(config)) as records:
                    Mapping.from_config(config).check_header(records.header)
                    total = count_rows(records, max_rows=conf.max_rows())
            except FileRefused as exc:
                return _fail(file, f"{exc} Nothing of the file was imported.")
            file.rows_total, file.status, file.started_at, file.error = (
                total,
                SftpFile.Status.PROCESSING,
                timezone.now(),
                "",
            )
            file.save(update_fields=["rows_total", "status", "started_at", "error"])
            local.seek(0)
        with Records(local, delimiter_char(config)) as records:
            records.skip(file.cursor)
            while True:
                progress = _slice(file.pk, records)
                if progress != "more" or time.monotonic() >= deadline:
                    return progress


def _stopped(file: SftpFile) -> Progress | None:
    """None while the flow takes entries through the file's entry point; else whether the file waits (the
    flow is paused) or fails (finished, cancelled, or its active version dropped the entry point)."""
    flow = Flow.objects.get(pk=file.flow_id)
    file.flow = flow
    if active_entry(flow, file.node_id) is not None:
        return None
    if flow.status in (Flow.Status.DRAFT, Flow.Status.PAUSED):
        return "waiting"
    if flow.status == Flow.Status.ACTIVE:
        return _fail(
            file,
            f"The version people enter the flow through has no SFTP Import entry point {file.node_id!r} "
            f"any more. {_rest(file)}",
        )
    return _fail(file, f"The flow is {flow.status}: it takes nobody in any more. {_rest(file)}")


def _slice(file_id: int, records: Records) -> Progress:
    """Enter the next SFTP_SLICE_ROWS records in one transaction, with the cursor and counters."""
    with transaction.atomic():
        file = SftpFile.objects.select_for_update().get(pk=file_id)
        if file.status not in UNFINISHED or file.cursor != records.position:
            return "waiting"  # another run got here first; the chain takes it from its cursor
        stopped = _stopped(file)
        if stopped is not None:
            return stopped
        version, config = active_entry(file.flow, file.node_id)
        mapping = Mapping.from_config(config)
        try:
            positions = mapping.check_header(records.header)
        except FileRefused as exc:
            return _fail(
                file, f"Version {version.number} of the flow does not fit this file: {exc} {_rest(file)}"
            )
        if delimiter_char(config) != records.delimiter:
            return _fail(file, f"Version {version.number} of the flow reads another delimiter. {_rest(file)}")
        definitions = {
            d.key: d
            for d in AttributeDefinition.objects.filter(key__in=[key for _, key in mapping.attributes])
        }
        variable_types = version_definition(version).variables
        batch = records.take(conf.slice_rows())
        errors: list[SftpRowError] = []
        with changes.source(f"sftp:{file.flow_id}"):
            for record in batch:
                if is_blank(record):
                    continue
                row = row_parse(
                    record.cells,
                    mapping=mapping,
                    positions=positions,
                    width=len(records.header),
                    definitions=definitions,
                    variable_types=variable_types,
                )
                problems = list(row.problems)
                if not problems:
                    outcome = row_enter(row, version=version, node_id=file.node_id, mapping=mapping)
                    problems = list(outcome.problems)
                    file.rows_refused += bool(outcome.refusal)
                if problems:
                    file.rows_invalid += 1
                    cells = [cell[:KEPT_CHARS] for cell in record.cells[:KEPT_CELLS]]
                    errors.extend(
                        SftpRowError(
                            file=file, row=record.line, column=p.column[:255], reason=p.reason, values=cells
                        )
                        for p in problems
                    )
                else:
                    file.rows_valid += 1
        SftpRowError.objects.bulk_create(errors)
        file.cursor = records.position
        file.error = ""  # a note from a failed download is over once rows go in again
        finished = records.at_end()
        if finished:
            file.status, file.finished_at = SftpFile.Status.DONE, timezone.now()
        file.save()
    return "finished" if finished else "more"


def _rest(file: SftpFile) -> str:
    if not file.rows_done:
        return "Nothing of the file was imported."
    return (
        f"{file.rows_done} of its {file.rows_total} rows were handled before; the others were not imported."
    )


def _fail(file: SftpFile, message: str) -> Progress:
    SftpFile.objects.filter(pk=file.pk).update(
        status=SftpFile.Status.FAILED, error=message, finished_at=timezone.now()
    )
    file.status, file.error = SftpFile.Status.FAILED, message
    return "finished"
