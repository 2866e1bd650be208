"""Flow API services: accept an "Add participants to flow" operation, work through it in the outbox
(slices of batches, each participant under its own savepoint), report it, and remove a person from a flow.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from engine import entries
from engine.core.definition import FlowDefinition
from engine.definitions import version_definition
from engine.flow_api import errors
from engine.flow_api import participants as one
from engine.flow_api.models import ApiKey, FlowApiOperation, FlowApiParticipant
from engine.flow_api.payload import AddRequest, text_problem
from flowdesigner.models import Flow, FlowVersion
from people import changes, outbox

logger = logging.getLogger(__name__)

PROCESS = "flow_api.process"
NOTIFY = "flow_api.notify"
ENTRY_TYPE = "flow_api"
# Participants per transaction: small enough that the write lock (SQLite) is held briefly.
BATCH_SIZE = 50
DEFAULT_SLICE_SECONDS = 5.0
MAX_FLOW_ID = 2**63 - 1
ROW_FIELDS = [
    "identity_key",
    "status",
    "error_reason",
    "error_message",
    "person",
    "participant",
    "processed_at",
]

Pending = FlowApiParticipant.Status.PENDING
Accepted = FlowApiParticipant.Status.ACCEPTED
Rejected = FlowApiParticipant.Status.REJECTED


def slice_seconds() -> float:
    return float(getattr(settings, "FLOW_API_SLICE_SECONDS", DEFAULT_SLICE_SECONDS))


# --- the flow ------------------------------------------------------------------------------------------


def flow_get(flow_id: str) -> Flow:
    """The flow named in the URL; FlowApiError 404 for anything else (not a number, unknown)."""
    flow = None
    if flow_id.isascii() and flow_id.isdigit() and len(flow_id) <= 19 and int(flow_id) <= MAX_FLOW_ID:
        flow = Flow.objects.filter(pk=int(flow_id)).first()
    if flow is None:
        raise errors.FlowApiError(404, errors.FLOW_NOT_FOUND, f"Could not find flow {flow_id[:30]}.")
    return flow


@dataclass(frozen=True)
class Target:
    """Where participants enter: the active version and its Flow API entry point."""

    version: FlowVersion
    definition: FlowDefinition
    entry_id: str


def flow_target(flow: Flow) -> Target:
    """The version people enter now and its (first) Flow API entry; FlowApiError 400 when the flow is
    not active, has no published version, or has no Flow API entry point."""
    version = entries.active_version(flow)
    if version is None:
        if flow.status != Flow.Status.ACTIVE:
            message = f"Flow {flow.pk} is not active (it is {flow.status}); activate it to add participants."
        else:
            message = f"Flow {flow.pk} has no published version."
        raise errors.FlowApiError(400, errors.FLOW_INACTIVE, message)
    definition = version_definition(version)
    entry = next((n for n in definition.entries() if n.type == ENTRY_TYPE), None)
    if entry is None:
        raise errors.FlowApiError(
            400,
            errors.NO_FLOW_API_ENTRY,
            f"Flow {flow.pk} has no Flow API entry point in version {version.number}; add one in the "
            "designer and publish the flow.",
        )
    return Target(version=version, definition=definition, entry_id=entry.id)


# --- accepting an operation ----------------------------------------------------------------------------


@transaction.atomic
def operation_create(*, flow: Flow, api_key: ApiKey | None, request: AddRequest) -> FlowApiOperation:
    """Store the operation with one PENDING row per participant and queue its processing; the caller
    answers with the operation's uuid at once."""
    operation = FlowApiOperation.objects.create(
        flow=flow,
        api_key=api_key,
        notify_url=request.notify_url.strip(),
        callback_data=request.callback_data,
        total=len(request.participants),
    )
    FlowApiParticipant.objects.bulk_create(
        FlowApiParticipant(
            operation=operation,
            index=index,
            payload=raw,
            identify_by=one.identify_by_echo(raw),
        )
        for index, raw in enumerate(request.participants)
    )
    outbox.publish(PROCESS, {"operation_id": operation.pk})
    return operation


# --- processing ----------------------------------------------------------------------------------------


def operation_process(operation_id: int) -> None:
    """Work through the operation's PENDING participants in request order, BATCH_SIZE per transaction,
    for about FLOW_API_SLICE_SECONDS; then queue the rest as a new event in the last batch's transaction
    (like a launch). Completes the operation, and queues its notification, with the last batch.

    Each batch re-reads the PENDING rows under the operation's row lock, so a second worker handling the
    same event (after a lease ran out) never processes a participant twice."""
    deadline = time.monotonic() + slice_seconds()
    while True:
        with transaction.atomic():
            operation = (
                FlowApiOperation.objects.select_for_update()
                .select_related("flow")
                .filter(pk=operation_id)
                .first()
            )
            if operation is None or operation.status == FlowApiOperation.Status.COMPLETED:
                return
            rows = list(operation.participants.filter(status=Pending).order_by("index")[:BATCH_SIZE])
            if rows:
                _batch(operation, rows)
            if not operation.participants.filter(status=Pending).exists():
                _complete(operation)
                return
            if time.monotonic() >= deadline:
                outbox.publish(PROCESS, {"operation_id": operation.pk})
                return


def _batch(operation: FlowApiOperation, rows: list[FlowApiParticipant]) -> None:
    now = timezone.now()
    try:
        target: Target | None = flow_target(operation.flow)
        refusal = ""
    except errors.FlowApiError as exc:
        # The flow was paused, or republished without the entry, after the request was accepted.
        target, refusal = None, f"Not added: {exc.message}"
    seen = _first_index_by_identity(operation)
    for row in rows:
        if target is None:
            _reject(row, one.FLOW_ERROR, refusal)
        else:
            _row_process(row, operation, target, seen)
        row.processed_at = now
        # One small UPDATE per row: bulk_update's CASE per column costs more to build than it saves.
        row.save(update_fields=ROW_FIELDS)
    operation.accepted += sum(1 for row in rows if row.status == Accepted)
    operation.rejected += sum(1 for row in rows if row.status == Rejected)
    operation.save(update_fields=["accepted", "rejected"])


def _first_index_by_identity(operation: FlowApiOperation) -> dict[str, int]:
    done = operation.participants.exclude(status=Pending).exclude(identity_key="")
    # Highest index first, so the lowest index of each identifier is the one kept.
    return dict(done.order_by("-index").values_list("identity_key", "index"))


def _row_process(row: FlowApiParticipant, operation: FlowApiOperation, target: Target, seen: dict) -> None:
    base = f"participants[{row.index}]"
    try:
        with transaction.atomic(), changes.source("flow api"):
            identifier = one.identify(row.payload, base)
            row.identity_key = one.identity_key(identifier)[:300]
            first = seen.setdefault(row.identity_key, row.index)
            if first != row.index:
                raise one.Rejected(
                    one.INVALID_CONTACT,
                    f"{base}.identifyBy.identifier: the same identifier as participants[{first}]; only the "
                    "first one is processed.",
                )
            checked = one.participant_check(
                row.payload, base, identifier=identifier, declared=target.definition.variables
            )
            outcome = one.participant_add(
                checked, version=target.version, entry_id=target.entry_id, base=base
            )
    except one.Rejected as exc:
        _reject(row, exc.reason, exc.message)
        return
    except Exception:  # noqa: BLE001
        # Whatever went wrong (a database error, a bug) is undone by the savepoint and logged; this
        # participant is rejected and the others go on, instead of the whole operation failing again on
        # every retry of its event.
        logger.exception("Flow API operation %s, %s could not be processed", operation.uuid, base)
        _reject(
            row, one.FLOW_ERROR, f"{base}: could not be processed (an internal error, logged); send it again."
        )
        return
    row.person = outcome.person
    row.participant = outcome.participant
    if outcome.participant is None:
        _reject(row, outcome.reason, outcome.message)
    else:
        row.status, row.error_reason, row.error_message = Accepted, "", ""


def _reject(row: FlowApiParticipant, reason: str, message: str) -> None:
    row.status, row.error_reason, row.error_message = Rejected, reason, message


def _complete(operation: FlowApiOperation) -> None:
    operation.status = FlowApiOperation.Status.COMPLETED
    operation.finished_at = timezone.now()
    fields = ["status", "finished_at"]
    if operation.notify_url:
        operation.notify_status = FlowApiOperation.NotifyStatus.PENDING
        operation.notify_body = json.dumps(operation_report(operation), ensure_ascii=False)
        fields += ["notify_status", "notify_body"]
        outbox.publish(NOTIFY, {"operation_id": operation.pk})
    operation.save(update_fields=fields)


# --- reading --------------------------------------------------------------------------------------------


def operation_report(operation: FlowApiOperation) -> dict:
    """The operation as GET .../participants/report answers it (and as notifyUrl receives it)."""
    results = []
    rows = operation.participants.order_by("index").values_list(
        "identify_by", "status", "error_reason", "error_message"
    )
    for identify_by, status, reason, message in rows:
        result = {"identifyBy": identify_by, "status": status}
        if status == Rejected:
            result["errorReason"] = reason
            result["errorMessage"] = message
        results.append(result)
    return {
        "operationId": str(operation.uuid),
        "campaignId": operation.flow_id,
        "flowId": operation.flow_id,
        "callbackData": operation.callback_data or None,
        "status": operation.status,
        "participants": results,
    }


def operation_get(flow: Flow, operation_id: str | None) -> FlowApiOperation:
    """The flow's operation with this id; FlowApiError 400 without an id, 404 for an unknown one or
    another flow's."""
    if not operation_id:
        raise errors.bad_request("Mandatory parameter operationId is absent.")
    try:
        wanted = uuid.UUID(operation_id)
    except ValueError:
        wanted = None
    operation = FlowApiOperation.objects.filter(uuid=wanted, flow=flow).first() if wanted else None
    if operation is None:
        raise errors.FlowApiError(
            404,
            errors.OPERATION_NOT_FOUND,
            f"Could not find operation {operation_id[:60]} of flow {flow.pk}.",
        )
    return operation


# --- removing -------------------------------------------------------------------------------------------


@transaction.atomic
def participant_remove(*, flow: Flow, identifier: str | None, type_name: str | None) -> int:
    """Take the person with this identifier out of the flow (entries.remove); returns how many runs
    ended. FlowApiError: 400 for a missing or malformed identifier, 404 when nobody has it, 400 (Infobip's
    40006) when the person is not in the flow."""
    if not identifier or not type_name:
        raise errors.bad_request("Mandatory parameters are absent: give identifier and type.")
    problem = text_problem([identifier, type_name])
    if problem:
        raise errors.bad_request(f"identifier or type {problem.split(': ', 1)[1]}.")
    if type_name not in one.IDENTIFIER_TYPES:
        raise errors.bad_request(f"type: must be one of {', '.join(one.IDENTIFIER_TYPES)}.")
    try:
        contact = one.contact_read(one.IDENTIFIER_TYPES[type_name], identifier, "identifier")
    except one.Rejected as exc:
        raise errors.bad_request(exc.message) from None
    person = one.person_by(contact)
    if person is None:
        raise errors.FlowApiError(
            404, errors.PERSON_NOT_FOUND, f"Could not find a person with {type_name} {contact.value}."
        )
    removed = entries.remove(flow=flow, person=person, reason="Removed through the Flow API")
    if not removed:
        raise errors.FlowApiError(
            400,
            errors.PERSON_NOT_IN_FLOW,
            f"The person with {type_name} {contact.value} is not in flow {flow.pk}.",
        )
    return removed
