"""SFTP Import services: connections (save, delete, test), watching a flow entry point's folder (the
self-rescheduling "sftp.poll" outbox event) and recording the new files it finds.

A watch runs two chains of outbox events, each at most once at a time: polls ("sftp.poll", the next one
due SFTP_POLL_SECONDS after the last) and imports ("sftp.file", engine/sftp/imports.py). The watch row
holds the id of each chain's pending event; a handler whose event is not that one is a stale duplicate
(a retry after its work committed) and does nothing, so neither chain ever forks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from posixpath import join as remote_join

from django.db import transaction
from django.utils import timezone

from engine import entries
from engine.sftp import client, conf, patterns
from engine.sftp.models import SftpConnection, SftpFile, SftpWatch
from engine.sftp.selectors import active_entry, flows_using, sftp_nodes
from flowdesigner.models import Flow
from people import outbox
from people.outbox.models import OutboxEvent

POLL = "sftp.poll"
IMPORT = "sftp.file"


class ConnectionInUse(ValueError):
    """The connection is used by active flows, so it may not change; the message lists them."""


# --- connections --------------------------------------------------------------------------------------


def connection_in_use(connection: SftpConnection, action: str) -> str:
    """Why the connection cannot be `action` ("changed", "deleted") now: "" while no active flow uses it."""
    using = flows_using(connection)
    if not using:
        return ""
    names = ", ".join(repr(flow.name) for flow in using[:10]) + (" …" if len(using) > 10 else "")
    return (
        f"The connection {connection.name!r} cannot be {action}: {len(using)} active flow(s) use it "
        f"({names}). Pause or finish them, or publish versions that use another connection, first."
    )


def _refuse_in_use(connection: SftpConnection, action: str) -> None:
    message = connection_in_use(connection, action)
    if message:
        raise ConnectionInUse(message)


@transaction.atomic
def connection_save(*, connection: SftpConnection) -> SftpConnection:
    """Create or update a connection. Refused (ConnectionInUse) while an active flow uses it. A new host,
    port or username forgets the pinned host key (another server or account: test it again)."""
    if connection.pk is not None:
        _refuse_in_use(connection, "changed")
        before = SftpConnection.objects.get(pk=connection.pk)
        if (before.host, before.port, before.username) != (
            connection.host,
            connection.port,
            connection.username,
        ):
            _forget(connection)
    connection.save()
    return connection


@transaction.atomic
def connection_delete(*, connection: SftpConnection) -> None:
    """Delete a connection (files imported through it stay in the reports). Refused while in use."""
    _refuse_in_use(connection, "deleted")
    connection.delete()


@transaction.atomic
def connection_forget_host_key(*, connection: SftpConnection) -> None:
    """Forget the pinned host key (the server was reinstalled); the next Test connection pins the new one."""
    _forget(connection)
    connection.save()


def _forget(connection: SftpConnection) -> None:
    connection.host_key = ""
    connection.host_key_fingerprint = ""
    connection.last_test_ok = None
    connection.last_test_message = ""


def connection_server(connection: SftpConnection) -> client.Server:
    return client.Server(
        host=connection.host,
        port=connection.port,
        username=connection.username,
        password=connection.password,
        private_key=connection.private_key,
        host_key=connection.host_key,
    )


@dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of a Test connection: whether it worked and what to tell the user."""

    ok: bool
    message: str


def connection_test(*, connection: SftpConnection, folder: str = ".") -> ConnectionCheck:
    """Connect (within SFTP_CONNECT_TIMEOUT), log in and list `folder`. The first success pins the
    server's host key; afterwards another key is refused with both fingerprints. The result is kept on
    the connection (shown on its page) and returned."""
    folder = folder.strip() or "."
    try:
        listing = client.list_folder(connection_server(connection), folder, timeout=conf.connect_timeout())
    except client.SftpError as exc:
        result = ConnectionCheck(False, str(exc))
    else:
        count = len(listing.files)
        pinned = "" if connection.host_key else f" Host key pinned: {listing.fingerprint}."
        result = ConnectionCheck(True, f"Connected. The folder {folder!r} has {count} file(s).{pinned}")
    with transaction.atomic():
        locked = SftpConnection.objects.select_for_update().get(pk=connection.pk)
        if result.ok and not locked.host_key:
            locked.host_key, locked.host_key_fingerprint = listing.host_key, listing.fingerprint
        locked.last_tested_at = timezone.now()
        locked.last_test_ok = result.ok
        locked.last_test_message = result.message
        locked.save()
    connection.refresh_from_db()
    return result


# --- watching a folder --------------------------------------------------------------------------------


def event_pending(event_id: int | None) -> bool:
    """Whether the outbox event `event_id` is still to be handled (not done, not given up)."""
    return (
        event_id is not None
        and OutboxEvent.objects.filter(pk=event_id, done_at__isnull=True, dead_at__isnull=True).exists()
    )


def watch_lock(flow_id: int, node_id: str) -> SftpWatch:
    """The watch of the entry point, created if need be, locked for the caller's transaction."""
    SftpWatch.objects.get_or_create(flow_id=flow_id, node_id=node_id)
    return SftpWatch.objects.select_for_update().get(flow_id=flow_id, node_id=node_id)


@transaction.atomic
def sftp_schedule(flow_id: int, node_id: str) -> None:
    """Start watching the SFTP Import entry point `node_id` of the flow (call it when the flow becomes
    active): publishes the first "sftp.poll", due now, unless a poll is already pending for it. Each poll
    publishes the next one; the chain stops by itself once the flow is no longer active or its active
    version has no such entry point."""
    watch = watch_lock(flow_id, node_id)
    if event_pending(watch.poll_event_id):
        return
    event = outbox.publish(POLL, {"flow_id": flow_id, "node_id": node_id})
    watch.poll_event_id = event.pk
    watch.save(update_fields=["poll_event_id"])


def sftp_schedule_flow(flow_id: int) -> None:
    """`sftp_schedule` every SFTP Import entry point of the flow's active version (after activating the
    flow, or publishing a version of an active one: a new entry point needs its own watch)."""
    flow = Flow.objects.get(pk=flow_id)
    version = entries.active_version(flow)
    for node_id in sftp_nodes(version) if version is not None else {}:
        sftp_schedule(flow_id, node_id)


def _listing(flow: Flow, node_id: str, config: dict) -> tuple[SftpConnection, client.Listing]:
    connection = SftpConnection.objects.filter(pk=config.get("connection")).first()
    if connection is None:
        raise client.SftpError(
            "The SFTP connection this entry point uses no longer exists: choose another one."
        )
    if not connection.host_key:
        raise client.SftpError(
            f"The connection {connection.name!r} has not been tested yet: test it once so its host key "
            "is pinned, then files are fetched."
        )
    folder = (config.get("path") or "").strip() or "."
    return connection, client.list_folder(
        connection_server(connection), folder, timeout=conf.connect_timeout()
    )


def _record(
    flow: Flow, node_id: str, config: dict, connection: SftpConnection, listing: client.Listing
) -> list[SftpFile]:
    """Record the files of `listing` that match the pattern and are new to this entry point (inside a
    transaction). Oldest first, so they are imported in the order they were uploaded."""
    folder = (config.get("path") or "").strip() or "."
    pattern = config.get("pattern") or ""
    found = {
        remote_join(folder, f.name): f
        for f in listing.files
        if patterns.matches(pattern, f.name)
        and len(f.name) <= 255
        and len(remote_join(folder, f.name)) <= 600
    }
    known = set(
        SftpFile.objects.filter(flow=flow, node_id=node_id, remote_path__in=list(found)).values_list(
            "remote_path", flat=True
        )
    )
    new = sorted(
        (item for item in found.items() if item[0] not in known),
        key=lambda item: (item[1].mtime or timezone.now(), item[1].name),
    )
    limit = conf.max_file_bytes()
    files = []
    for path, remote in new:
        file = SftpFile(
            flow=flow,
            node_id=node_id,
            connection=connection,
            folder=folder,
            name=remote.name,
            remote_path=path,
            size=remote.size,
            mtime=remote.mtime,
        )
        if remote.size > limit:
            file.status, file.finished_at = SftpFile.Status.FAILED, timezone.now()
            file.error = client.too_large(path, remote.size, limit)
        files.append(file)
    SftpFile.objects.bulk_create(files)
    return files


def poll(flow: Flow, node_id: str) -> list[SftpFile]:
    """Look at the folder of the flow's SFTP Import entry point `node_id` (as its active version sets it):
    record the files matching the filename pattern that it has not seen before, and return them. Files
    already recorded are never fetched again. Raises client.SftpError (the server, the folder) and
    ValueError when the flow does not take entries through that entry point now."""
    entry = active_entry(flow, node_id)
    if entry is None:
        raise ValueError(f"The flow {flow.name!r} is not active with an SFTP Import entry point {node_id!r}.")
    _, config = entry
    connection, listing = _listing(flow, node_id, config)
    with transaction.atomic():
        watch_lock(flow.pk, node_id)  # one recorder at a time (the poll chain takes the same lock)
        return _record(flow, node_id, config, connection, listing)


def watch_poll(*, flow_id: int, node_id: str, event_id: int) -> None:
    """The "sftp.poll" handler's work: poll, record new files, start the import chain if files wait,
    publish the next poll; or stop the chain when the flow no longer takes entries through the node.
    A server problem is kept on the watch (the flow's report shows it) and the next poll tries again."""
    from engine.sftp.imports import import_chain_start

    watch = SftpWatch.objects.filter(flow_id=flow_id, node_id=node_id).first()
    if watch is None or watch.poll_event_id != event_id:
        return  # a stale duplicate: the chain went on without it
    flow = Flow.objects.filter(pk=flow_id).first()
    entry = active_entry(flow, node_id)
    connection = listing = None
    error = ""
    if entry is not None:
        try:
            connection, listing = _listing(flow, node_id, entry[1])
        except client.SftpError as exc:
            error = str(exc)
    with transaction.atomic():
        watch = watch_lock(flow_id, node_id)
        if watch.poll_event_id != event_id:
            return
        if entry is None:
            watch.poll_event_id = None  # the flow stopped taking entries here; sftp_schedule restarts it
            watch.save(update_fields=["poll_event_id"])
            return
        if listing is not None:
            _record(flow, node_id, entry[1], connection, listing)
        now = timezone.now()
        due = now + timedelta(seconds=conf.poll_seconds())
        watch.poll_event_id = outbox.publish(
            POLL, {"flow_id": flow_id, "node_id": node_id}, available_at=due
        ).pk
        watch.last_polled_at, watch.last_error = now, error
        import_chain_start(watch)
        watch.save()
