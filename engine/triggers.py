"""Triggers: entry points that start people by themselves while their flow is active.

The index: one `Trigger` row per such entry point of each active flow, rewritten by `triggers_sync`
whenever a flow is activated, paused, finished or published anew. Each row lists what a change must touch
for the trigger to look at it (`watch`).

Two ways in:
- `changes_match` (the "person.changed" outbox handler): for each person in a batch of changes, the
  triggers watching what changed are asked about that one person: a Predefined Audience in real time
  (does the person match the audience now?), a Change in People profile (did this change make the
  condition true? decided in Python from the change's old and new values, people.conditions.evaluate),
  a People real-time event (do the conditions hold now, counting this event?). Deciding costs a lookup
  in the index and at most a query per armed trigger: it never grows with the number of persons.
- `triggers_sweep` (the timer loop of the worker): time-based conditions (Date or Time, and date
  operators of profile triggers) become true as time passes, not by a change. Each sweep asks the
  database who matches now but did not at the previous sweep: persons whose moment came in between.

Every entry goes through engine.entries.enter (re-entry, frequency cap; refusals on the timeline), the
triggers of one person in priority order, so the flow with the highest priority wins a capped person.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from engine import entries
from engine.core import variables as flow_variables
from engine.core.elements import date_time, people_event, predefined_audience, profile_change
from engine.definitions import version_definition
from engine.models import Trigger
from engine.sftp.services import sftp_schedule_flow
from flowdesigner.models import Flow
from people import changes
from people.conditions import compile_rules
from people.conditions.compiler import (
    CompileContext,
    Group,
    attribute_references,
    compile_node,
    id_references,
    parse_rules,
)
from people.conditions.evaluate import RELATIVE_OPERATORS, NotEvaluable, rule_matches
from people.conditions.events import event_passes, event_references
from people.conditions.operators import COMPANY, SEGMENT, TAG
from people.models import AttributeDefinition, Event, Person, Segment
from people.selectors import person_snapshots

logger = logging.getLogger(__name__)

KINDS = {
    "profile_change": Trigger.Kind.PROFILE,
    "people_event": Trigger.Kind.EVENT,
    "date_time": Trigger.Kind.DATE,
    "inbound_message": Trigger.Kind.INBOUND,
    "inbound_call": Trigger.Kind.CALL,
}


# --- the index -------------------------------------------------------------------------------------------


def trigger_kind(node_type: str, config: dict) -> str | None:
    """The trigger kind of an entry point, or None for entries that do not start people by themselves."""
    if node_type == "predefined_audience":
        return Trigger.Kind.AUDIENCE if predefined_audience.is_realtime(config) else None
    return KINDS.get(node_type)


def rules_watch(doc: Any, *, depth: int = 0) -> set[str]:
    """What a change must touch to possibly change a rule document's answer for a person: its attributes,
    tags, company and events, through the segments it names too."""
    watch = {f"attribute:{key}" for key in attribute_references(doc)}
    watch |= {f"tag:{tag_id}" for tag_id in id_references(doc, TAG)}
    if id_references(doc, COMPANY):
        watch.add("company")
    watch |= {f"event:{key}" for key in event_references(doc)}
    segment_ids = id_references(doc, SEGMENT)
    if segment_ids and depth < 10:
        for rules in Segment.objects.filter(pk__in=segment_ids).values_list("rules", flat=True):
            watch |= rules_watch(rules, depth=depth + 1)
    return watch


def _watch(kind: str, config: dict) -> list[str]:
    if kind == Trigger.Kind.AUDIENCE:
        watch = {f"tag:{tag_id}" for tag_id in config.get("tags", [])}
        watch |= {f"company:{company_id}" for company_id in config.get("companies", [])}
        for segment_id in config.get("segments", []):
            watch |= rules_watch({"op": "and", "rules": [{"segment": segment_id, "operator": "in"}]})
        return sorted(watch)
    if kind == Trigger.Kind.PROFILE:
        return sorted(rules_watch(config["rules"]))
    if kind == Trigger.Kind.EVENT:
        return sorted(f"event:{key}" for key in people_event.triggering_events(config))
    return []  # Date or Time: only the sweep starts people; Inbound Message/Call: engine/inbound.py


def triggers_sync(flow: Flow) -> None:
    """Rewrite the flow's rows of the trigger index from its active version (none unless it is active).
    A trigger that stays keeps when it became active and how far its sweep got."""
    version = entries.active_version(flow)
    existing = {t.node_id: t for t in Trigger.objects.filter(flow=flow)}
    keep: set[str] = set()
    if version is not None:
        defn = version_definition(version)
        now = timezone.now()
        for node in defn.entries():
            kind = trigger_kind(node.type, node.config)
            if kind is None:
                continue
            keep.add(node.id)
            old = existing.get(node.id)
            Trigger.objects.update_or_create(
                flow=flow,
                node_id=node.id,
                defaults={
                    "version": version,
                    "kind": kind,
                    "config": node.config,
                    "watch": _watch(kind, node.config),
                    "priority": defn.priority,
                    "active_since": old.active_since if old else now,
                    "swept_until": old.swept_until if old and old.swept_until else now,
                },
            )
    Trigger.objects.filter(flow=flow).exclude(node_id__in=keep).delete()
    _index.clear()
    if version is not None:
        sftp_schedule_flow(flow.pk)  # SFTP Import entry points poll their folder while the flow is active


@dataclass(frozen=True)
class _Armed:
    """A trigger as decisions need it, prepared once per index load: the row, the flow's declared
    variables, a profile trigger's rules with variables filled in, an event trigger's parsed conditions."""

    trigger: Trigger
    declared: dict
    rules: dict | None = None
    events: Group | None = None


class _Index:
    """The trigger rows, loaded once per process and prepared once (their version's definition, parsed
    event conditions), not per change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._by_watch: dict[str, list[_Armed]] = {}
        self._segments: set[int] = set()
        # Custom attribute definitions by key, for rule_matches (read with the triggers).
        self.definitions: dict[str, AttributeDefinition] = {}

    def clear(self) -> None:
        with self._lock:
            self._key = None

    def by_watch(self) -> dict[str, list[_Armed]]:
        """The armed triggers by what they watch, reloaded when a trigger row, a custom attribute
        definition or a segment of a real-time audience changed (one aggregate query each; a sync also
        clears it in this process)."""
        key = _index_key(self._segments)
        with self._lock:
            if key == self._key:
                return self._by_watch
        by_watch: dict[str, list[_Armed]] = defaultdict(list)
        segments: set[int] = set()
        for trigger in Trigger.objects.order_by("-priority", "id").select_related("version", "flow"):
            armed = _prepare(trigger)
            watch = trigger.watch
            if trigger.kind == Trigger.Kind.AUDIENCE:
                segments |= set(trigger.config.get("segments", []))
                watch = _watch(trigger.kind, trigger.config)
            for item in watch:
                by_watch[item].append(armed)
        definitions = AttributeDefinition.objects.in_bulk(field_name="key")
        with self._lock:
            # The key was read before loading, so a change made meanwhile reloads again next time; it only
            # covers the segments known then, so new ones take one more reload to be in it.
            self._key = key if segments == self._segments else None
            self._by_watch, self._segments, self.definitions = dict(by_watch), segments, definitions
            return self._by_watch


def _index_key(segments: set[int]) -> tuple:
    """What changes when the index must reload: the trigger rows (count, ids, newest edit), the custom
    attribute definitions, and the segments of real-time audiences (which may be edited while the flow
    is active: what the audience watches follows them). One round trip, asked before every batch."""
    tables = {name: connection.ops.quote_name(model._meta.db_table) for name, model in _KEY_TABLES.items()}
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {tables['trigger']}), (SELECT SUM(id) FROM {tables['trigger']}),"  # noqa: S608 (our tables)
        f" (SELECT MAX(updated_at) FROM {tables['trigger']}), (SELECT COUNT(*) FROM {tables['attribute']}),"
        f" (SELECT MAX(updated_at) FROM {tables['attribute']})"
    )
    params: list[int] = []
    if segments:
        marks = ", ".join(["%s"] * len(segments))
        sql += f", (SELECT MAX(updated_at) FROM {tables['segment']} WHERE id IN ({marks}))"  # noqa: S608
        params = sorted(segments)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


_KEY_TABLES = {"trigger": Trigger, "attribute": AttributeDefinition, "segment": Segment}


def _prepare(trigger: Trigger) -> _Armed:
    defn = version_definition(trigger.version)
    if trigger.kind == Trigger.Kind.PROFILE:
        rules = profile_change.with_variables(trigger.config["rules"], defn.variable_defaults)
        return _Armed(trigger, defn.variables, rules=rules)
    if trigger.kind == Trigger.Kind.EVENT:
        since = None if trigger.config.get("include_historical") else trigger.active_since
        doc = {"op": "and", "rules": [_since(c, since) for c in trigger.config["conditions"]]}
        return _Armed(trigger, defn.variables, events=parse_rules(doc, check_refs=False))
    return _Armed(trigger, defn.variables)


_index = _Index()


# --- changes ---------------------------------------------------------------------------------------------


def _touched(change: changes.PersonChanged) -> set[str]:
    if isinstance(change, changes.AttributeChanged):
        return {f"attribute:{change.key}"}
    if isinstance(change, changes.TagAdded | changes.TagRemoved):
        return {f"tag:{change.tag_id}"}
    if isinstance(change, changes.CompanyChanged):
        new = (change.new or {}).get("id")
        return {"company"} | ({f"company:{new}"} if new else set())
    if isinstance(change, changes.EventRecorded):
        return {f"event:{change.event}"}
    return set()


@dataclass
class _Fire:
    trigger: Trigger
    variables: dict


def changes_decide(batch: list[changes.PersonChanged], *, now: datetime) -> dict[int, list[_Fire]]:
    """Which triggers this batch of changes fires, per person (nothing is written). The index says which
    triggers watch what changed; only those are asked about the person."""
    by_watch = _index.by_watch()
    if not by_watch:
        return {}
    per_person: dict[int, list[changes.PersonChanged]] = defaultdict(list)
    for change in batch:
        if any(item in by_watch for item in _touched(change)):
            per_person[change.person_id].append(change)
    decided: dict[int, list[_Fire]] = {}
    for person_id, person_changes in per_person.items():
        armed: dict[int, _Armed] = {}
        for change in person_changes:
            for item in _touched(change):
                for one in by_watch.get(item, []):
                    armed[one.trigger.pk] = one
        fires = _decide(person_id, person_changes, list(armed.values()), now=now)
        if fires:
            decided[person_id] = fires
    return decided


def changes_match(batch: list[changes.PersonChanged], *, now: datetime | None = None) -> int:
    """Enter the persons whose changes fire a trigger (in the caller's transaction). Returns how many
    entered."""
    now = now or timezone.now()
    return sum(
        _enter(person_id, fires, now=now) for person_id, fires in changes_decide(batch, now=now).items()
    )


def _decide(person_id: int, person_changes: list, armed: list[_Armed], *, now: datetime) -> list[_Fire]:
    """The armed triggers this person's changes fire, highest priority first."""
    fires: list[_Fire] = []
    on_person = [a for a in armed if a.trigger.kind in (Trigger.Kind.AUDIENCE, Trigger.Kind.PROFILE)]
    if on_person:
        snapshot = person_snapshots([person_id]).get(person_id)
        if snapshot is None:
            return []  # deleted meanwhile
        after, before = _as_changed(snapshot, person_changes), _before(snapshot, person_changes)
        definitions = _index.definitions
        for one in on_person:
            if one.trigger.kind == Trigger.Kind.AUDIENCE:
                # Only someone who comes to match enters: matching now, and not before these changes.
                config = one.trigger.config
                if _audience_matches(config, after, now=now) and not _audience_matched(
                    config, before, now=now
                ):
                    fires.append(_Fire(one.trigger, {}))
            elif rule_matches(one.rules, after, now=now, definitions=definitions) and not rule_matches(
                one.rules, before, now=now, definitions=definitions
            ):
                fires.append(_Fire(one.trigger, {}))
    on_events = [a for a in armed if a.trigger.kind == Trigger.Kind.EVENT]
    fired: set[int] = set()
    for change in person_changes:
        if isinstance(change, changes.EventRecorded) and on_events:
            for one in _events_fire([a for a in on_events if a.trigger.pk not in fired], change):
                values = flow_variables.from_properties(
                    one.trigger.config.get("save", []), change.properties, one.declared
                )
                fires.append(_Fire(one.trigger, values))
                fired.add(one.trigger.pk)
    return sorted(fires, key=lambda f: (-f.trigger.priority, f.trigger.pk))


def _as_changed(snapshot: dict, person_changes: list) -> dict:
    """The person right after this batch of changes (the newest new value of each): a worker running
    behind decides on the change as it was made, not on what later changes made of the person."""
    after = dict(snapshot)
    for change in person_changes:
        if isinstance(change, changes.AttributeChanged):
            after[change.key] = change.new
        elif isinstance(change, changes.TagAdded):
            after["tag_ids"] = [*(t for t in after.get("tag_ids", []) if t != change.tag_id), change.tag_id]
        elif isinstance(change, changes.TagRemoved):
            after["tag_ids"] = [t for t in after.get("tag_ids", []) if t != change.tag_id]
        elif isinstance(change, changes.CompanyChanged):
            after["company_id"] = (change.new or {}).get("id")
    return after


def _before(snapshot: dict, person_changes: list) -> dict:
    """The person as they were before this batch of changes (the oldest old value of each)."""
    before = dict(snapshot)
    for change in reversed(person_changes):
        if isinstance(change, changes.AttributeChanged):
            before[change.key] = change.old
        elif isinstance(change, changes.TagAdded):
            before["tag_ids"] = [t for t in before.get("tag_ids", []) if t != change.tag_id]
        elif isinstance(change, changes.TagRemoved):
            before["tag_ids"] = [*before.get("tag_ids", []), change.tag_id]
        elif isinstance(change, changes.CompanyChanged):
            before["company_id"] = (change.old or {}).get("id")
    return before


def _audience_direct(config: dict, snapshot: dict) -> bool:
    return bool(
        set(config.get("tags", [])) & set(snapshot.get("tag_ids", []))
        or snapshot.get("id") in config.get("persons", [])
        or snapshot.get("company_id") in config.get("companies", [])
    )


def _audience_matches(config: dict, snapshot: dict, *, now: datetime) -> bool:
    """Whether the person is in the audience now (segments asked of the database)."""
    if _audience_direct(config, snapshot):
        return True
    person = Person.objects.filter(pk=snapshot["id"])
    for segment_id in config.get("segments", []):
        rules = {"op": "and", "rules": [{"segment": segment_id, "operator": "in"}]}
        if person.filter(compile_rules(rules, now=now, person_id=snapshot["id"])).exists():
            return True
    return False


def _audience_matched(config: dict, before: dict, *, now: datetime) -> bool:
    """Whether the person was in the audience before the changes. A segment is decided from the old
    values where it can be (attribute and tag conditions); one that needs the database (events, other
    segments) counts as not matched, so the person enters and the flow's re-entry setting decides."""
    if _audience_direct(config, before):
        return True
    if not config.get("segments"):
        return False
    for rules in Segment.objects.filter(pk__in=config.get("segments", [])).values_list("rules", flat=True):
        try:
            if rule_matches(rules, before, now=now):
                return True
        except NotEvaluable:
            continue
    return False


def _events_fire(armed: list[_Armed], change: changes.EventRecorded) -> list[_Armed]:
    """The event triggers whose conditions held for the person as the event happened (counting it and
    nothing stored after it: a worker behind by three events of one person decides on each as it
    arrived), the event itself being one they count. One query for all of them."""
    candidates = [
        one
        for one in armed
        if change.event in people_event.triggering_events(one.trigger.config)
        # An event from before the flow became active (a backfill) never starts it: with historical data
        # earlier events count, but "if all the events already happened before the flow started, the
        # person does not enter".
        and change.occurred_at >= one.trigger.active_since
    ]
    if not candidates:
        return []
    simple = [one for one in candidates if not _has_property_filters(one.events)]
    held = _held_in_python(simple, change) if simple else set()
    filtered = [one for one in candidates if one not in simple]
    if filtered:
        # Property filters are compared by the database (typed JSON): one query for all those triggers.
        ctx = CompileContext(now=change.occurred_at, event_up_to=change.event_id, person_id=change.person_id)
        flags = {
            f"t{one.trigger.pk}": ExpressionWrapper(
                compile_node(one.events, ctx), output_field=BooleanField()
            )
            for one in filtered
        }
        row = Person.objects.filter(pk=change.person_id).values(**flags).first() or {}
        held |= {one.trigger.pk for one in filtered if row.get(f"t{one.trigger.pk}")}
    return [one for one in candidates if one.trigger.pk in held and _counts_this_event(one, change)]


def _has_property_filters(tree: Group) -> bool:
    return any(condition.target.properties for condition in tree.rules)


def _held_in_python(armed: list[_Armed], change: changes.EventRecorded) -> set[int]:
    """The triggers (ids) whose event conditions (no property filters) held for the person as the event
    happened: one indexed read of the person's events of those kinds, then counting per condition as
    people.conditions.events.EventTarget does in SQL (window, since, count; nothing after this event)."""
    now = change.occurred_at
    kinds = {condition.target.definition_id for one in armed for condition in one.events.rules}
    stored = (
        Event.objects.filter(person_id=change.person_id, definition_id__in=kinds, occurred_at__lte=now)
        .exclude(occurred_at=now, pk__gt=change.event_id)
        .values_list("definition_id", "occurred_at")
    )
    by_kind: dict[int, list[datetime]] = defaultdict(list)
    for definition_id, occurred_at in stored:
        by_kind[definition_id].append(occurred_at)
    held = set()
    for one in armed:
        if all(_holds(condition, by_kind, now) for condition in one.events.rules):
            held.add(one.trigger.pk)
    return held


def _holds(condition, by_kind: dict[int, list[datetime]], now: datetime) -> bool:
    target = condition.target
    since = max(
        [moment for moment in (target.since, now - target.within if target.within else None) if moment],
        default=None,
    )
    n = sum(1 for at in by_kind.get(target.definition_id, []) if since is None or at >= since)
    operator, wanted = target.count or ("gte", 1)
    happened = n >= wanted if operator == "gte" else n <= wanted if operator == "lte" else n == wanted
    return happened if condition.operator.name == "happened" else not happened


def _counts_this_event(one: _Armed, change: changes.EventRecorded) -> bool:
    """Whether the event that arrived passes the property filters of a "happened" condition on it (the
    flow starts on an A1 added to the cart, not on a B2 after an earlier A1)."""
    happened = [
        c
        for c in one.trigger.config["conditions"]
        if c.get("operator") == "happened" and c.get("event") == change.event
    ]
    if any(not c.get("properties") for c in happened):
        return True
    return any(event_passes(change.event_id, c, now=change.occurred_at) for c in happened)


def _since(condition: dict, since: datetime | None) -> dict:
    return {**condition, "since": since.isoformat()} if since is not None else condition


def _enter(person_id: int, fires: list[_Fire], *, now: datetime) -> int:
    if not fires:
        return 0
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return 0
    entered = 0
    for fire in fires:
        entry = entries.enter(
            version=fire.trigger.version,
            person=person,
            entry_id=fire.trigger.node_id,
            source=f"trigger {fire.trigger.kind}",
            variables=fire.variables,
            now=now,
        )
        entered += entry.participant is not None
    return entered


# --- time ------------------------------------------------------------------------------------------------


def time_rules(trigger: Trigger) -> dict | None:
    """The rule document whose becoming true, as time passes, enters a person: a Date or Time entry as
    the relative date operator it stands for; a profile trigger's own rules when they hold a relative
    date operator; None when time alone never changes the answer."""
    config = trigger.config
    if trigger.kind == Trigger.Kind.DATE:
        return {"op": "and", "rules": [date_time.as_condition(config)]}
    if trigger.kind == Trigger.Kind.PROFILE:
        defaults = version_definition(trigger.version).variable_defaults
        rules = profile_change.with_variables(trigger.config["rules"], defaults)
        found = [c for _, c in profile_change.conditions(rules) if c.get("operator") in RELATIVE_OPERATORS]
        return rules if found else None
    return None


def triggers_sweep(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Enter everyone a time-based trigger became true for since its last sweep; returns how many
    entered. Each trigger is swept under its row lock (SKIP LOCKED on PostgreSQL, so workers share the
    triggers), in batches of persons that commit with the sweep's cursor."""
    batch_size = batch_size or settings.TIMER_BATCH_SIZE
    entered = 0
    ids = list(
        Trigger.objects.filter(kind__in=[Trigger.Kind.DATE, Trigger.Kind.PROFILE]).values_list(
            "pk", flat=True
        )
    )
    for trigger_id in ids:
        while True:
            with transaction.atomic():
                locked = Trigger.objects.select_for_update(**_skip_locked()).select_related("version", "flow")
                trigger = locked.filter(pk=trigger_id).first()
                if trigger is None:
                    break
                done, count = _sweep_batch(trigger, now=now or timezone.now(), batch_size=batch_size)
                entered += count
            if done:
                break
    return entered


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def _sweep_batch(trigger: Trigger, *, now: datetime, batch_size: int) -> tuple[bool, int]:
    rules = time_rules(trigger)
    if rules is None:
        return True, 0
    if trigger.sweep_to is None:
        if trigger.swept_until and now - trigger.swept_until < timedelta(
            seconds=settings.TRIGGER_SWEEP_SECONDS
        ):
            return True, 0
        trigger.sweep_to, trigger.sweep_after = now, 0
    previous = trigger.swept_until or trigger.active_since
    became = (
        Person.objects.filter(compile_rules(rules, now=trigger.sweep_to))
        .exclude(pk__in=Person.objects.filter(compile_rules(rules, now=previous)).values("pk"))
        .filter(pk__gt=trigger.sweep_after)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    person_ids = list(became)
    entered = 0
    for person_id in person_ids:
        entered += _enter(person_id, [_Fire(trigger, {})], now=now)
    if len(person_ids) < batch_size:
        trigger.swept_until, trigger.sweep_to, trigger.sweep_after = trigger.sweep_to, None, 0
        done = True
    else:
        trigger.sweep_after = person_ids[-1]
        done = False
    trigger.save(update_fields=["swept_until", "sweep_to", "sweep_after"])
    return done, entered
