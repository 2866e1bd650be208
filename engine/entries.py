"""Entering people into flows: the one service every start goes through (a launch, a poke, a trigger,
the Flow API, an SFTP row, another flow's "Add to flow", staff adding someone by hand).

`enter` checks, in the caller's transaction, that the flow takes this person now (its re-entry setting,
the frequency cap across flows; whether the flow is active is for the caller to ask, with
`active_version`: staff may launch a flow that is not active yet), then runs the core's start at the
chosen entry point and writes the participant with its first steps. A refusal is returned with its
reason and kept on the person's timeline (EntryRefusal); it is never an exception, so a batch goes on
with the others.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from engine import effects
from engine.assets import run_kwargs
from engine.core import runtime
from engine.core import variables as flow_variables
from engine.core.definition import FlowDefinition
from engine.counting import Tally
from engine.definitions import version_definition
from engine.models import EntryRefusal, FrequencyCap, Launch, Participant, ParticipantStep, Poke, Trigger
from flowdesigner.models import Flow, FlowVersion
from messaging.services import messages_expire
from people import bulk
from people.models import Person
from people.selectors import person_snapshots

LIVE = (Participant.Status.ACTIVE, Participant.Status.WAITING)


class EntryRefused(ValueError):
    """Nobody can enter this way now (the flow is not active, it has no such entry point); the message
    says why. A single person's refusal (re-entry, frequency cap) is an `Entry` with its reason instead."""


@dataclass(frozen=True)
class Entry:
    """What `enter` did: the new participant, or why the person was refused."""

    participant: Participant | None
    refusal: str = ""


def active_version(flow: Flow) -> FlowVersion | None:
    """The version triggers and integrations enter people into: the newest published one, while the flow
    is active."""
    if flow.status != Flow.Status.ACTIVE:
        return None
    return flow.latest_version


def reentry_refusals(defn: FlowDefinition, *, flow_id: int, person_ids: list[int]) -> dict[int, str]:
    """Persons the flow's re-entry setting refuses now, with the reason (one query for the list)."""
    if defn.reentry == "any_time" or not person_ids:
        return {}
    mine = Participant.objects.filter(version__flow_id=flow_id, person_id__in=person_ids)
    if defn.reentry == "never":
        reason = "Already entered this flow once; it does not let people enter again."
    else:
        mine = mine.filter(status__in=LIVE)
        reason = "Still in this flow; it lets people enter again only after they leave."
    return {person_id: reason for person_id in mine.values_list("person_id", flat=True).distinct()}


def cap_refusals(person_ids: list[int], *, now: datetime, cap: FrequencyCap | None = None) -> dict[int, str]:
    """Persons the frequency cap refuses now, with the reason (one query for the whole list)."""
    cap = cap or FrequencyCap.current()
    if not cap.enabled or not person_ids:
        return {}
    since = now - timedelta(**{cap.period_unit: cap.period_amount})
    counts = (
        Participant.objects.filter(person_id__in=person_ids, created_at__gte=since)
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gte=cap.max_entries)
    )
    unit = cap.period_unit.removesuffix("s") if cap.period_amount == 1 else cap.period_unit
    flows = "flow" if cap.max_entries == 1 else "flows"
    reason = f"Frequency cap: already entered {cap.max_entries} {flows} within {cap.period_amount} {unit}."
    return {row["person_id"]: reason for row in counts}


def refusals_record(refusals: dict[int, str], *, flow_id: int, node_id: str, source: str) -> None:
    """Keep refusals {person id: reason} for the persons' timelines."""
    EntryRefusal.objects.bulk_create(
        EntryRefusal(
            person_id=person_id, flow_id=flow_id, node_id=node_id, source=source[:100], reason=reason
        )
        for person_id, reason in refusals.items()
    )


def enter(
    *,
    version: FlowVersion,
    person: Person,
    entry_id: str,
    source: str,
    variables: dict | None = None,
    launch: Launch | None = None,
    poke: Poke | None = None,
    now: datetime | None = None,
) -> Entry:
    """Enter `person` into `version` at the entry point `entry_id`, with flow `variables` (coerced by the
    flow's declarations by the caller). Call inside a transaction; messages are pushed and callbacks sent
    after commit. `source` says who asked ("launch 3", "trigger", "flow api", "sftp", "flow 7", "staff")
    and is kept with a refusal."""
    entered, refusals = enter_many(
        version=version,
        entry_id=entry_id,
        persons=[person.pk],
        source=source,
        variables={person.pk: variables} if variables else None,
        launch=launch,
        poke=poke,
        now=now,
    )
    if entered:
        return Entry(entered[0])
    return Entry(None, refusals.get(person.pk, "This person no longer exists."))


def enter_many(
    *,
    version: FlowVersion,
    entry_id: str,
    persons: list[int],
    source: str,
    variables: dict[int, dict] | None = None,
    launch: Launch | None = None,
    poke: Poke | None = None,
    now: datetime | None = None,
    lock: bool = True,
) -> tuple[list[Participant], dict[int, str]]:
    """Enter many persons (ids) into `version` at `entry_id`, each with
    their `variables` ({person id: variables}), checking re-entry and the frequency cap for all of them at
    once, running the core for each one let in and writing everything in bulk. Returns the participants
    and the refusals {person id: reason} (kept on the timelines). A person appears once per call.

    With `lock` the persons' rows are locked first (in id order, so two batches never deadlock): two
    entries of one person at once (a trigger and staff, two workers) cannot both pass the re-entry check
    and the frequency cap. A launch, which holds its own row lock and enters each person once, does not
    need it."""
    now = now or timezone.now()
    if lock:
        ids = list(
            Person.objects.select_for_update()
            .filter(pk__in=sorted(set(persons)))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    else:
        ids = list(persons)
    defn = version_definition(version)
    flow_id = version.flow_id
    refusals = reentry_refusals(defn, flow_id=flow_id, person_ids=ids)
    refusals.update(cap_refusals([i for i in ids if i not in refusals], now=now))
    refusals_record(refusals, flow_id=flow_id, node_id=entry_id, source=source)
    participants = [
        Participant(launch=launch, poke=poke, version=version, person_id=person_id)
        for person_id in ids
        if person_id not in refusals
    ]
    snapshots = person_snapshots([p.person_id for p in participants])
    variables = variables or {}
    advance = effects.Advance()
    for participant in participants:
        result = runtime.start(
            defn,
            entry_id=entry_id,
            now=now,
            variables=variables.get(participant.person_id),
            **run_kwargs(participant, snapshots[participant.person_id], now),
        )
        advance.take(participant, result, old_history_len=0)
    bulk.create(participants)
    advance.persist()
    return participants, refusals


@transaction.atomic
def audience_add(*, flow: Flow, person: Person) -> Entry:
    """Staff adding a person by hand to an active flow whose Predefined Audience updates in real time
    (EntryRefused when the flow is not active or its audience is static)."""
    version = active_version(flow)
    if version is None:
        raise EntryRefused("The flow is not active: activate it before adding people.")
    trigger = Trigger.objects.filter(flow=flow, kind=Trigger.Kind.AUDIENCE).first()
    if trigger is None:
        raise EntryRefused("People can be added by hand only while the flow's audience updates in real time.")
    return enter(version=version, person=person, entry_id=trigger.node_id, source="added by staff")


@transaction.atomic
def audience_remove(*, flow: Flow, person: Person, by: str) -> int:
    """Staff taking a person out of a flow by hand; returns how many of their runs ended."""
    return remove(flow=flow, person=person, reason=f"Removed by {by}")


def hand_over(*, flow_id: int, entry_id: str, person_id: int, variables: dict, from_flow: int) -> Entry:
    """An "Add to flow" step of flow `from_flow` hands the person to flow `flow_id` at its Existing Flow
    entry `entry_id`. The variables the target flow declares come along (as its types hold them; others
    stay behind). Refused, on the person's timeline, when that flow is not active or has no such entry."""
    person = Person.objects.filter(pk=person_id).first()
    flow = Flow.objects.filter(pk=flow_id).first()
    if person is None or flow is None:
        return Entry(None, "The person or the flow no longer exists.")
    source = f"flow {from_flow}"
    version = active_version(flow)
    node = version_definition(version).nodes.get(entry_id) if version is not None else None
    reason = ""
    if version is None:
        reason = f'The flow "{flow.name}" is not active.'
    elif node is None or node.type != "existing_flow":
        reason = f'The flow "{flow.name}" has no Existing Flow entry "{entry_id}" in its active version.'
    if reason:
        refusals_record({person_id: reason}, flow_id=flow_id, node_id=entry_id, source=source)
        return Entry(None, reason)
    declared = version_definition(version).variables
    values = {}
    for name, value in variables.items():
        if name in declared:
            try:
                values[name] = flow_variables.coerce(value, declared[name])
            except flow_variables.VariableValueError:
                continue
    return enter(version=version, person=person, entry_id=entry_id, source=source, variables=values)


def remove(*, flow: Flow, person: Person, reason: str = "Removed by staff") -> int:
    """Take the person out of the flow: every participant of theirs still in it ends as exited, its open
    messages closed and its timers cancelled. Returns how many were removed."""
    live = list(
        Participant.objects.select_for_update(of=("self",))
        .select_related("version")
        .filter(version__flow=flow, person=person, status__in=LIVE)
    )
    now = timezone.now()
    waits = [(participant.pk, participant.current_node) for participant in live]
    tally = Tally()
    for participant in live:
        old_state = copy.deepcopy(participant.state)
        history = participant.state.setdefault("history", [])
        if history and not history[-1].get("left_at"):
            history[-1].update(left_at=now.isoformat(), exit="removed", note=reason)
            ParticipantStep.objects.filter(participant=participant, seq=len(history) - 1).update(
                left_at=now, exit_name="removed"
            )
        participant.state.update(status="exited", wait=None)
        participant.status = Participant.Status.EXITED
        participant.completed_at = now
        participant.wait_kind, participant.wake_at, participant.wait_event = "", None, ""
        participant.step_count += 1
        participant.save()
        tally.moved(participant, old_state=old_state, new_state=participant.state, widgets={}, now=now)
    tally.publish()
    messages_expire(waits)
    return len(live)
