"""The simulator: run a flow's draft as a real person, step by step, without sending or storing anything.

The server is stateless: the client carries the simulation (the participant state the core returned, the
simulated clock and a few ids) and sends it back with each action. Each action is one call of the pure
core (engine/core/runtime.py) with the person's snapshot and read-only assets; the events it returns are
rendered for display instead of being acted on:

* messages as the inbox would show them (the text rendered with the person's data, buttons, form);
* Call URL requests, results flushes and end callbacks as the exact request they would be (method, URL,
  headers with the signature, body), built with the same builders the live engine uses;
* results emails (to, subject, body) and hand-overs to other flows;
* person changes (Update person, tags, a form answer saved into an attribute), shown and not applied.

A Call URL is never sent: the simulated call answers at once with the outcome the panel chose
("success": HTTP 200 with the given body; "failure": no answer), and the flow runs on along that exit.
Nothing here writes to the database (tests/engine/test_simulator.py counts the rows).
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.utils import timezone

from engine.callbacks import USER_AGENT, sign
from engine.checks import definition_issues
from engine.core import definition as core_definition
from engine.core import runtime
from engine.core.definition import FlowDefinition
from engine.core.elements import NoAssets
from engine.core.issues import Issue
from engine.definitions import LaunchRefused, default_entry_id
from engine.effects import delivery_body, flow_admin_emails
from engine.models import Participant
from engine.results import Kind, results_payload, results_text
from flowdesigner.models import Flow, FlowVersion
from messaging.selectors import version_sender_name
from people.conditions import RulesInvalid
from people.models import Person, Tag
from people.selectors import person_matches, person_snapshots

Action = Literal["start", "answer", "skip_wait", "call_result"]
ACTIONS: tuple[str, ...] = ("start", "answer", "skip_wait", "call_result")
CallOutcome = Literal["success", "failure"]

# The simulation the client carries: refused beyond this size (it is untrusted input).
MAX_SIMULATION_BYTES = 512_000
# Calls answered one after the other without the person doing anything (a flow looping through Call URL
# steps); beyond this the simulation stops at the call and the panel continues it by hand.
MAX_CALLS_PER_ACTION = 20
STATUSES = ("active", "waiting", "completed", "failed")
WAIT_KINDS = ("reply", "timer", "event", "call", "quiet_hours")


class SimulationRefused(Exception):
    """An action the simulator cannot take (a draft with issues, a bad state, an answer the step does not
    take); `issues` lists a draft's validation issues."""

    def __init__(self, detail: str, *, issues: list[Issue] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.issues = issues or []


@dataclass
class SimulationResult:
    """What one action did: the simulation to send back next time, and what happened, for display."""

    simulation: dict
    items: list[dict]


# --- the person as the simulated flow sees it --------------------------------------------------------------


class DryRunAssets(NoAssets):
    """The person's Assets for a simulation: questions are asked of the database like the live engine
    does (read-only), changes are recorded for display and never made (so they are "accepted")."""

    def __init__(self, person: Person, now: datetime) -> None:
        self.person = person
        self.now = now
        self.changes: list[dict] = []

    def person_matches(self, rules: dict) -> bool:
        try:
            return person_matches(self.person.pk, rules, now=self.now)
        except RulesInvalid:
            return False

    def update_person(self, values: dict) -> str | None:
        self.changes.append(
            {"kind": "person_update", "change": "attributes", "values": copy.deepcopy(values)}
        )
        return None

    def update_tags(self, add: tuple[int, ...], remove: tuple[int, ...]) -> str | None:
        names = dict(Tag.objects.filter(pk__in=set(add) | set(remove)).values_list("pk", "name"))
        self.changes.append(
            {
                "kind": "person_update",
                "change": "tags",
                "add": [names.get(t, f"tag #{t}") for t in add],
                "remove": [names.get(t, f"tag #{t}") for t in remove],
            }
        )
        return None

    def save_answer(self, key: str, result: dict, display: str) -> str | None:
        self.changes.append(
            {"kind": "person_update", "change": "attributes", "values": {key: result.get("value")}}
        )
        return None


# --- the service ----------------------------------------------------------------------------------------


def flow_simulate(
    *,
    flow: Flow,
    person: Person,
    action: Action,
    simulation: Any = None,
    entry_id: str | None = None,
    answer: dict | None = None,
    call_outcome: CallOutcome = "success",
    call_body: str = "",
) -> SimulationResult:
    """Take one simulated action on `flow`'s draft as `person` and say what happened.

    `start` enters at `entry_id` (default: the Predefined Audience, else the first entry point) at the
    real time now; the others continue `simulation` (what the previous action returned): `answer` replies
    to the waiting step as the inbox sends it ({"button_id"}, {"dismiss": true}, {"form": {"button",
    "value"}}) or as the composer does ({"text"}, for an Evaluate reply step), `skip_wait` moves the clock
    to the wait's end and wakes the participant, `call_result` answers a call left waiting. Call URL steps
    are answered with `call_outcome` (and `call_body` as the response on success).
    Raises SimulationRefused (nothing is ever written)."""
    defn = _draft(flow)
    if action == "start":
        now = timezone.now().isoformat()
        sim = {"state": None, "now": now, "started_at": now, "run_id": str(uuid.uuid4()), "seq": 0}
    else:
        sim = simulation_check(simulation)
    run = _Runner(
        flow=flow, person=person, defn=defn, sim=sim, call_outcome=call_outcome, call_body=call_body
    )
    try:
        if action == "start":
            run.start(entry_id)
        elif action == "answer":
            run.answer(answer or {})
        elif action == "skip_wait":
            run.skip_wait()
        elif action == "call_result":
            run.call_result()
        else:
            raise SimulationRefused(f'Unknown action "{action}"; use one of {", ".join(ACTIONS)}.')
    except runtime.ReplyError as exc:
        raise SimulationRefused(str(exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # The state passed simulation_check but does not fit this draft (edited since, or forged).
        raise SimulationRefused(
            f"The simulation does not fit the current draft ({type(exc).__name__}); restart it."
        ) from None
    return SimulationResult(simulation=run.sim, items=run.items)


def _draft(flow: Flow) -> FlowDefinition:
    """The draft as publishing would take it: refused with its issues when publishing would refuse it."""
    issues = definition_issues(flow.draft_definition)
    if issues:
        raise SimulationRefused(
            f"Fix the {len(issues)} issue(s) on the canvas before trying the flow.", issues=issues
        )
    try:
        return core_definition.load(flow.draft_definition)
    except core_definition.DefinitionError as exc:
        raise SimulationRefused(str(exc), issues=exc.issues) from None


class _Runner:
    """One action: runs the core, renders its events into `items` and keeps `sim` up to date."""

    def __init__(
        self,
        *,
        flow: Flow,
        person: Person,
        defn: FlowDefinition,
        sim: dict,
        call_outcome: CallOutcome,
        call_body: str,
    ) -> None:
        self.flow = flow
        self.person = person
        self.defn = defn
        self.sim = sim
        self.call_outcome = call_outcome
        self.call_body = call_body
        self.items: list[dict] = []
        self.snapshot = person_snapshots([person.pk]).get(person.pk, {"id": person.pk})
        self._version: FlowVersion | None = None

    @property
    def now(self) -> datetime:
        return datetime.fromisoformat(self.sim["now"])

    def _kwargs(self) -> tuple[dict, DryRunAssets]:
        assets = DryRunAssets(self.person, self.now)
        return {"person": self.snapshot, "seed": self.person.pk, "assets": assets, "now": self.now}, assets

    # --- actions

    def start(self, entry_id: str | None) -> None:
        if entry_id is None:
            try:
                entry_id = default_entry_id(self.defn)
            except LaunchRefused as exc:
                raise SimulationRefused(str(exc)) from None
        elif entry_id not in {n.id for n in self.defn.entries()}:
            raise SimulationRefused(f'"{entry_id}" is not an entry point of this flow.')
        kwargs, assets = self._kwargs()
        self._take(runtime.start(self.defn, entry_id=entry_id, **kwargs), assets)

    def answer(self, answer: dict) -> None:
        state = self._waiting("reply")
        node = self.defn.nodes.get(state["current"])
        if node is None:
            raise SimulationRefused(
                f'"{state["current"]}" is no longer in the draft; restart the simulation.'
            )
        reply = _reply(node.id, node.type, answer)
        old_steps = len(state.get("steps", []))
        kwargs, assets = self._kwargs()
        result = runtime.resume(self.defn, state, reply=reply, **kwargs)
        steps = result.state.get("steps", [])
        recorded = steps[old_steps] if len(steps) > old_steps else None
        self.items.append(_answered(node.id, answer, recorded, self.now))
        self._take(result, assets)

    def skip_wait(self) -> None:
        state = self._waiting(None)
        wake_at = (state.get("wait") or {}).get("wake_at")
        if not wake_at:
            raise SimulationRefused("The flow waits for something without an end time; nothing to skip.")
        moment = datetime.fromisoformat(wake_at)
        if moment > self.now:
            self.items.append(_item("time_travel", state["current"], moment, **{"from": self.sim["now"]}))
            self.sim["now"] = moment.isoformat()
        kwargs, assets = self._kwargs()
        self._take(runtime.wake(self.defn, state, **kwargs), assets)

    def call_result(self) -> None:
        self._waiting("call")
        self._answer_call(self.sim["state"])

    # --- running on

    def _waiting(self, kind: str | None) -> dict:
        state = self.sim["state"]
        if state is None or state.get("status") != "waiting":
            raise SimulationRefused("The simulated flow is not waiting; restart it to try again.")
        if kind is not None and (state.get("wait") or {}).get("kind") != kind:
            waits_for = _WAIT_WORDS.get(state["wait"]["kind"], "something else")
            raise SimulationRefused(f"The flow waits for {waits_for}, not for this.")
        return state

    def _take(self, result: runtime.Result, assets: DryRunAssets) -> None:
        """Render one core result, then answer the calls it waits for, one after the other."""
        calls = 0
        while True:
            self.items.extend(_at(change, self.now) for change in assets.changes)
            self.sim["state"] = result.state
            for event in result.events:
                self._render(event)
            wait = result.state.get("wait") or {}
            if result.state["status"] != "waiting" or wait.get("kind") != "call":
                break
            calls += 1
            if calls > MAX_CALLS_PER_ACTION:
                self.items.append(
                    _item(
                        "note",
                        result.state["current"],
                        self.now,
                        text="Stopped at this call: continue by hand.",
                    )
                )
                break
            result, assets = self._call_resume(result.state)
        self._wait_item()

    def _answer_call(self, state: dict) -> None:
        result, assets = self._call_resume(state)
        self._take(result, assets)

    def _call_resume(self, state: dict) -> tuple[runtime.Result, DryRunAssets]:
        if self.call_outcome == "success":
            outcome = {"ok": True, "status": 200, "body": self.call_body, "error": ""}
        else:
            outcome = {
                "ok": False,
                "status": None,
                "body": "",
                "error": "Simulated failure (no request was sent)",
            }
        kwargs, assets = self._kwargs()
        reply = {"node_id": state["current"], "call": outcome}
        return runtime.resume(self.defn, state, reply=reply, **kwargs), assets

    def _wait_item(self) -> None:
        state = self.sim["state"]
        if state["status"] != "waiting":
            return
        wait = state.get("wait") or {}
        if wait.get("kind") == "reply" and not wait.get("wake_at"):
            return  # the message card itself says it waits for an answer
        self.items.append(
            _item(
                "wait",
                state["current"],
                self.now,
                wait_kind=wait.get("kind"),
                until=wait.get("wake_at"),
                event=wait.get("event"),
            )
        )

    # --- events

    def _render(self, event: runtime.Event) -> None:
        now = self.now
        if isinstance(event, runtime.SendMessage):
            self.sim["seq"] += 1
            self.items.append(_item("message", event.node_id, now, message=self._message(event)))
        elif isinstance(event, runtime.CallUrl):
            self.items.append(
                _item(
                    "request",
                    event.node_id,
                    now,
                    purpose="call_url",
                    request={
                        "method": event.method,
                        "url": event.url,
                        "headers": event.headers,
                        "body": event.body,
                    },
                    outcome=self.call_outcome,
                )
            )
        elif isinstance(event, runtime.FlushResults):
            self._callback(event.node_id, "flush")
        elif isinstance(event, runtime.Completed):
            self.items.append(_item("completed", event.node_id, now, exit_name=event.exit_name))
            self._callback(
                event.node_id, "end", exit_name=event.exit_name, follow_up=event.wait_for_follow_up
            )
        elif isinstance(event, runtime.EmailResults):
            subject, body = results_text(self._results(event.node_id, "flush"))
            to = list(dict.fromkeys(event.emails + (flow_admin_emails() if event.email_admins else [])))
            self.items.append(_item("email", event.node_id, now, to=to, subject=subject, body=body))
        elif isinstance(event, runtime.AddToFlow):
            target = Flow.objects.filter(pk=event.flow_id).values_list("name", flat=True).first()
            self.items.append(
                _item(
                    "handover",
                    event.node_id,
                    now,
                    flow_id=event.flow_id,
                    flow_name=target or f"flow #{event.flow_id}",
                    entry_id=event.entry_id,
                    variables=event.variables,
                )
            )
        elif isinstance(event, runtime.Failed):
            self.items.append(_item("failed", event.node_id, now, reason=event.reason))

    def _message(self, event: runtime.SendMessage) -> dict:
        """The message in the inbox's shape (messaging.selectors.message_payload). Brandings are named,
        not drawn: the inbox serves a branded text from a stored message, and nothing is stored here."""
        return {
            "id": self.sim["seq"],
            "direction": "out",
            "flow_name": self.flow.name,
            "sender_name": version_sender_name(self.flow.draft_definition),
            "text": event.text,
            "buttons": [
                {"id": b["id"], "caption": b["caption"], "action": b.get("action", "")} for b in event.buttons
            ],
            "allow_dismiss": event.allow_dismiss,
            "dismiss_caption": event.dismiss_caption,
            "branding": None,
            "branding_colors": None,
            "branding_key": event.branding,
            "channel": event.channel,
            "alert": dict(event.alert),
            "auto_lock": event.auto_lock,
            "attachments": list(event.attachments),
            "created_at": self.now.isoformat(),
            "answered_button_id": None,
            "answered_caption": "",
            "answered_at": None,
            "dismissed": False,
            "locked": False,
            "form": event.form,
            "form_result": None,
            "display_value": None,
        }

    def _callback(self, node_id: str, kind: Kind, *, exit_name: str = "", follow_up: bool = False) -> None:
        """The signed results POST the flow's service would get (engine/callbacks.py), when it has a URL."""
        if not self.flow.callback_url:
            if kind == "flush":
                self.items.append(
                    _item("note", node_id, self.now, text="No callback URL: the results would go nowhere.")
                )
            return
        payload = self._results(node_id, kind, exit_name=exit_name, follow_up=follow_up)
        body = delivery_body(payload)
        self.items.append(
            _item(
                "request",
                node_id,
                self.now,
                purpose="results_end" if kind == "end" else "results_flush",
                request={
                    "method": "POST",
                    "url": self.flow.callback_url,
                    "headers": {
                        "Content-Type": "application/json",
                        "User-Agent": USER_AGENT,
                        "X-Signature": sign(body.encode(), self.flow.secret),
                        "X-Delivery-Id": "(given when stored)",
                        "X-Delivery-Attempt": "1",
                    },
                    "body": body,
                },
            )
        )

    def _results(self, node_id: str, kind: Kind, *, exit_name: str = "", follow_up: bool = False) -> dict:
        """The results document, built by engine.results from an unsaved participant of the draft."""
        participant = Participant(
            uuid=uuid.UUID(self.sim["run_id"]),
            version=self._draft_version(),
            person=self.person,
            state=self.sim["state"],
            status=self.sim["state"]["status"],
        )
        participant.created_at = datetime.fromisoformat(self.sim["started_at"])
        participant.completed_at = self.now if kind == "end" else None
        payload = results_payload(
            participant,
            kind=kind,
            node_id=node_id,
            exit_name=exit_name if kind == "end" else None,
            wait_for_follow_up=follow_up,
        )
        return payload

    def _draft_version(self) -> FlowVersion:
        """The version publishing the draft would make (unsaved: its number is the next one)."""
        if self._version is None:
            latest = self.flow.versions.order_by("-number").values_list("number", flat=True).first()
            self._version = FlowVersion(
                flow=self.flow, number=(latest or 0) + 1, definition=self.flow.draft_definition
            )
        return self._version


_WAIT_WORDS = {
    "reply": "an answer",
    "timer": "time to pass (skip the wait)",
    "event": "an event",
    "call": "its call",
    "quiet_hours": "the send window to open (skip the wait)",
}


def _item(kind: str, node_id: str | None, at: datetime, **fields: Any) -> dict:
    return {"kind": kind, "node_id": node_id, "at": at.isoformat(), **fields}


def _at(change: dict, at: datetime) -> dict:
    return {"node_id": None, "at": at.isoformat(), **change}


def _answered(node_id: str, answer: dict, recorded: dict | None, at: datetime) -> dict:
    """How the inbox marks the answered card: the answer as the person reads it back."""
    recorded = recorded or {}
    return _item(
        "answer",
        node_id,
        at,
        answered_button_id=recorded.get("answer_id"),
        answered_caption=recorded.get("button") or "",
        display_value=recorded.get("display_value") or answer.get("text"),
        dismissed=bool(answer.get("dismiss")),
        form_result=recorded.get("form_result"),
    )


def _reply(node_id: str, node_type: str, answer: dict) -> dict:
    """The core's reply for an answer as the inbox (or its composer, for text) sends it."""
    given = [key for key in ("button_id", "dismiss", "form", "text") if answer.get(key) not in (None, False)]
    if len(given) != 1:
        raise SimulationRefused("Answer with one of button_id, dismiss, form or text.")
    key = given[0]
    if node_type == "evaluate_reply":
        if key != "text" or not isinstance(answer["text"], str) or not answer["text"].strip():
            raise SimulationRefused("This step waits for a text reply; write one.")
        text = answer["text"]
        return {"node_id": node_id, "text": text, "inbound": {"channel": "web", "body": text}}
    if key == "text":
        raise SimulationRefused("This step waits for a button or a form answer, not for text.")
    if key == "dismiss":
        return {"node_id": node_id, "button_id": None}
    if key == "button_id":
        if not isinstance(answer["button_id"], str):
            raise SimulationRefused("button_id must be text.")
        return {"node_id": node_id, "button_id": answer["button_id"]}
    form = answer["form"]
    if not isinstance(form, dict) or form.get("button") not in ("positive", "negative"):
        raise SimulationRefused('A form answer is {"button": "positive" | "negative", "value": ...}.')
    return {"node_id": node_id, "button_id": form["button"], "value": form.get("value"), "files": {}}


# --- the carried simulation, as untrusted input -----------------------------------------------------------


def simulation_check(simulation: Any) -> dict:
    """The simulation the client sent back, checked for size and shape (never trusted: the core only
    gets a state that looks like one it produced); SimulationRefused says what is wrong."""
    if not isinstance(simulation, dict):
        raise SimulationRefused("Send the simulation the previous action returned, or start one.")
    if len(json.dumps(simulation, default=str)) > MAX_SIMULATION_BYTES:
        raise SimulationRefused(f"The simulation is larger than {MAX_SIMULATION_BYTES} bytes; restart it.")
    problem = _simulation_problem(simulation)
    if problem:
        raise SimulationRefused(f"The simulation is not valid: {problem}.")
    return copy.deepcopy(simulation)


def _aware(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _simulation_problem(sim: dict) -> str | None:
    for key in ("now", "started_at"):
        if not _aware(sim.get(key)):
            return f"{key} must be an ISO time with its zone"
    try:
        uuid.UUID(str(sim.get("run_id")))
    except ValueError:
        return "run_id must be a UUID"
    if not isinstance(sim.get("seq"), int) or isinstance(sim["seq"], bool) or not 0 <= sim["seq"] < 1_000_000:
        return "seq must be a whole number"
    state = sim.get("state")
    if not isinstance(state, dict):
        return "state must be an object"
    return _state_problem(state)


def _state_problem(state: dict) -> str | None:
    if state.get("status") not in STATUSES:
        return f"state.status must be one of {', '.join(STATUSES)}"
    if state.get("current") is not None and not isinstance(state["current"], str):
        return "state.current must be a node id"
    if not isinstance(state.get("variables"), dict):
        return "state.variables must be an object"
    if not isinstance(state.get("steps"), list) or not all(isinstance(s, dict) for s in state["steps"]):
        return "state.steps must be a list of objects"
    history = state.get("history")
    if not isinstance(history, list) or not history:
        return "state.history must be a non-empty list"
    for entry in history:
        if not isinstance(entry, dict) or not isinstance(entry.get("node_id"), str):
            return "each state.history entry needs its node_id"
        if not isinstance(entry.get("type"), str) or not _aware(entry.get("entered_at")):
            return "each state.history entry needs its type and entered_at"
        if entry.get("left_at") is not None and not _aware(entry["left_at"]):
            return "state.history left_at must be an ISO time"
        if entry.get("memo") is not None and not isinstance(entry["memo"], dict):
            return "state.history memo must be an object"
    wait = state.get("wait")
    if state["status"] == "waiting":
        if not isinstance(wait, dict) or wait.get("kind") not in WAIT_KINDS:
            return "a waiting state needs its wait"
        if wait.get("wake_at") is not None and not _aware(wait["wake_at"]):
            return "state.wait.wake_at must be an ISO time"
        if history[-1]["node_id"] != state.get("current"):
            return "the last history entry must be the current node"
    elif wait is not None:
        return "only a waiting state has a wait"
    return None
