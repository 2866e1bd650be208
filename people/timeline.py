"""A person's timeline: attribute changes, tags added/removed, company changes, events, flows entered,
exited and refused (re-entry, frequency cap), and messages, newest first
(people.selectors.person_timeline)."""

import datetime as dt
from typing import Any, TypedDict

from people.models import Event, Person, PersonChange

MAX_LIMIT = 200


class TimelineEntry(TypedDict):
    at: dt.datetime
    kind: str  # attribute_changed, tag_added, tag_removed, company_changed, event, flow_entered,
    # flow_exited, flow_refused, message_out, message_in
    summary: str
    data: dict[str, Any]


def _shown(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(empty)"
    if isinstance(value, dict):  # a company
        return str(value.get("name") or value.get("id"))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _short(text: str, length: int = 120) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _changes(person: Person, limit: int) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for change in PersonChange.objects.filter(person=person).order_by("-at", "-id")[:limit]:
        data: dict[str, Any] = {"source": change.source}
        if change.kind == PersonChange.Kind.ATTRIBUTE:
            kind = "attribute_changed"
            data |= {"key": change.key, "old": change.old, "new": change.new}
            summary = f"{change.key} changed from {_shown(change.old)} to {_shown(change.new)}"
        elif change.kind == PersonChange.Kind.COMPANY:
            kind = "company_changed"
            data |= {"old": change.old, "new": change.new}
            summary = f"Company changed from {_shown(change.old)} to {_shown(change.new)}"
        else:
            added = change.kind == PersonChange.Kind.TAG_ADDED
            kind = "tag_added" if added else "tag_removed"
            data |= {"tag": change.key}
            summary = f"Tag {change.key} {'added' if added else 'removed'}"
        entries.append({"at": change.at, "kind": kind, "summary": _short(summary), "data": data})
    return entries


def _events(person: Person, limit: int) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    events = Event.objects.filter(person=person).select_related("definition").order_by("-occurred_at", "-id")
    for event in events[:limit]:
        props = ", ".join(f"{k}: {_shown(v)}" for k, v in sorted(event.properties.items()))
        summary = f"{event.definition.label}" + (f" ({props})" if props else "")
        entries.append(
            {
                "at": event.occurred_at,
                "kind": "event",
                "summary": _short(summary),
                "data": {
                    "event_id": event.pk,
                    "event": event.definition.key,
                    "label": event.definition.label,
                    "properties": event.properties,
                    "received_at": event.received_at,
                },
            }
        )
    return entries


def _flows(person: Person, limit: int) -> list[TimelineEntry]:
    from engine.models import Participant  # read only; engine depends on people, not the reverse

    participants = Participant.objects.filter(person=person).select_related("version__flow")
    entries: list[TimelineEntry] = []
    for p in participants.order_by("-created_at", "-id")[:limit]:
        flow = p.version.flow
        data = {"participant_id": p.pk, "flow_id": flow.pk, "flow": flow.name, "version": p.version.number}
        entries.append(
            {
                "at": p.created_at,
                "kind": "flow_entered",
                "summary": _short(f"Entered flow {flow.name} (version {p.version.number})"),
                "data": data,
            }
        )
    for p in participants.filter(completed_at__isnull=False).order_by("-completed_at", "-id")[:limit]:
        flow = p.version.flow
        data = {
            "participant_id": p.pk,
            "flow_id": flow.pk,
            "flow": flow.name,
            "version": p.version.number,
            "status": p.status,
        }
        entries.append(
            {
                "at": p.completed_at,
                "kind": "flow_exited",
                "summary": _short(f"Left flow {flow.name} ({p.get_status_display().lower()})"),
                "data": data,
            }
        )
    return entries


def _refusals(person: Person, limit: int) -> list[TimelineEntry]:
    from engine.models import EntryRefusal  # read only, like Participant above

    refusals = (
        EntryRefusal.objects.filter(person=person).select_related("flow").order_by("-created_at", "-id")
    )
    return [
        {
            "at": refusal.created_at,
            "kind": "flow_refused",
            "summary": _short(f"Not entered into flow {refusal.flow.name}: {refusal.reason}"),
            "data": {
                "flow_id": refusal.flow_id,
                "flow": refusal.flow.name,
                "node_id": refusal.node_id,
                "reason": refusal.reason,
                "source": refusal.source,
            },
        }
        for refusal in refusals[:limit]
    ]


# How the timeline names a message's channel.
CHANNEL_NAMES = {"web": "in the web inbox", "sms": "by SMS", "email": "by email", "voice": "by voice"}


def _delivery(message: Any) -> str:
    """What became of a message, for the timeline: an outbound message's delivery status with the reason
    it failed (e.g. the person opted out), an inbound one's opt-out/opt-in or "unhandled"."""
    if message.direction == "out":
        return f"{message.status}: {message.error}" if message.error else message.status
    if message.routing in ("opt_out", "opt_in", "unhandled"):
        return {"opt_out": "opted out", "opt_in": "opted back in", "unhandled": "unhandled"}[message.routing]
    return ""


def _messages(person: Person, limit: int) -> list[TimelineEntry]:
    from messaging.models import Message  # read only

    entries: list[TimelineEntry] = []
    rows = Message.objects.filter(person=person).select_related("transport").order_by("-created_at", "-id")
    for m in rows[:limit]:
        outbound = m.direction == Message.Direction.OUT
        how = CHANNEL_NAMES.get(m.channel, f"by {m.channel}")
        where = f" {'to' if outbound else 'from'} {m.address}" if m.address else ""
        entries.append(
            {
                "at": m.created_at,
                "kind": "message_out" if outbound else "message_in",
                "summary": _short(f"{'Sent' if outbound else 'Received'} {how}{where}: {m.text}"),
                "data": {
                    "message_id": m.pk,
                    "direction": m.direction,
                    "channel": m.channel,
                    "transport": m.transport.name if m.transport else None,
                    "address": m.address,
                    "identity": m.identity,
                    "status": m.status,
                    "status_at": m.status_at,
                    "error": m.error,
                    "routing": m.routing,
                    "delivery": _delivery(m),
                    "text": m.text,
                    "participant_id": m.participant_id,
                },
            }
        )
    return entries


def person_timeline(person: Person, *, limit: int = 50) -> list[TimelineEntry]:
    """The newest `limit` (at most MAX_LIMIT) entries of the person's timeline, newest first.

    Each source is read newest first and cut at `limit` in the database, then merged: at most
    `limit` rows per source are read however long the history. Events are placed at the moment they
    occurred (occurred_at), not when they were received.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    entries = (
        _changes(person, limit)
        + _events(person, limit)
        + _flows(person, limit)
        + _refusals(person, limit)
        + _messages(person, limit)
    )
    # Stable: entries at the same moment keep the order above (changes, events, flows, refusals, messages).
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit]
