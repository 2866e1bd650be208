"""The results a flow's service receives (Rogerthat's message flow results as the model).

One builder for both deliveries: at a Send results element ("flow.results_flush", with `flush_id`) and at
an Exit ("flow.completed", with `end_id`). The same document, as plain text, is what Email results sends.
`poke_payload` is the "poke" report sent when a person starts a flow with a poke.
"""

from datetime import datetime
from typing import Literal

from django.utils import timezone

from engine.core.originals import Originals
from engine.models import Participant, Poke
from people.models import Person

Kind = Literal["flush", "end"]
PokeSource = Literal["button", "qr", "link"]

# Every results step has exactly these keys. Message steps have form_result null; form steps
# have step_type "form_step", answer_id "positive"/"negative" and form_result {"type", "value"}.
STEP_KEYS = (
    "step_id",
    "step_type",
    "message",
    "answer_id",
    "button",
    "form_result",
    "display_value",
    "received_at",
    "acknowledged_at",
)


def result_step(step: dict) -> dict:
    """A state step in the delivered shape (older states lack form_result and display_value)."""
    out = {key: step.get(key) for key in STEP_KEYS}
    if "display_value" not in step:
        out["display_value"] = step.get("button")
    return out


def person_payload(person: Person) -> dict:
    """The person as every callback describes them."""
    return {
        "id": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "language": person.language,
    }


def poke_payload(participant: Participant, *, poke: Poke, source: PokeSource, poked_at: datetime) -> dict:
    """A person poked the service (Rogerthat's poke callback): who, which poke tag, how (an inbox
    `button`, a scanned `qr` code or an action `link`), when, and the run it started."""
    version = participant.version
    return {
        "type": "poke",
        "flow": {"id": version.flow_id, "name": version.flow.name, "version": version.number},
        "person": person_payload(participant.person),
        "tag": poke.tag,
        "poke_code": poke.code,
        "source": source,
        "poked_at": poked_at.isoformat(),
        "run_id": str(participant.uuid),
    }


def results_payload(
    participant: Participant,
    *,
    kind: Kind,
    node_id: str,
    exit_name: str | None = None,
    wait_for_follow_up: bool = False,
) -> dict:
    """Everything the participant answered so far: at a Send results (`kind` "flush", `node_id` the
    element) or at an Exit (`kind` "end", `node_id` the Exit, with its name and follow-up flag)."""
    person = participant.person
    version = participant.version
    state = participant.state
    launch = participant.launch
    completed = kind == "end"
    ids = _OriginalIds(version.definition, person.language)
    node_id = ids.node(node_id)
    return {
        "type": "flow.completed" if completed else "flow.results_flush",
        "run_id": str(participant.uuid),
        "flow": {"id": version.flow_id, "name": version.flow.name, "version": version.number},
        "person": person_payload(person),
        "launch_tag": launch.launch_tag if launch else "",
        "context": launch.context if launch else "",
        "flush_id": None if completed else node_id,
        "end_id": node_id if completed else None,
        "exit_name": exit_name if completed else None,
        "wait_for_follow_up": bool(wait_for_follow_up) if completed else False,
        "started_at": (participant.created_at or timezone.now()).isoformat(),
        "completed_at": (participant.completed_at or timezone.now()).isoformat() if completed else None,
        "variables": state.get("variables", {}),
        "steps": [ids.step(result_step(s)) for s in state.get("steps", [])],
    }


class _OriginalIds:
    """A flow imported from Rogerthat reports Rogerthat's own ids (the ones its service knows), in the
    language the person ran it in, for the elements and buttons whose ids the import had to replace
    (engine/core/originals.py); other flows, and elements added since, report their ids as they are."""

    def __init__(self, definition: dict, language: str) -> None:
        self.originals = Originals.of(definition if isinstance(definition, dict) else {})
        languages = self.originals.languages
        base = definition.get("language") if isinstance(definition, dict) else None
        self.language = language if language in languages else (base or next(iter(languages), ""))

    def node(self, node_id: str) -> str:
        return self.originals.node(self.language, node_id) if self.originals.languages else node_id

    def step(self, step: dict) -> dict:
        if not self.originals.languages:
            return step
        node = step["step_id"]
        if step.get("answer_id") and step.get("step_type") == "message_step":
            step["answer_id"] = self.originals.answer(self.language, node, step["answer_id"])
        step["step_id"] = self.node(node)
        return step


def results_text(payload: dict) -> tuple[str, str]:
    """(subject, body) of the plain-text email of a results document."""
    person = payload["person"]
    name = " ".join(p for p in (person["first_name"], person["last_name"]) if p) or f"Person {person['id']}"
    # Header values must be one line (Django refuses newlines in a subject).
    subject = " ".join(f"Results of {payload['flow']['name']}: {name}".split())[:200]
    lines = [
        f"Flow: {payload['flow']['name']} (version {payload['flow']['version']})",
        f"Person: {name}" + (f" <{person['email']}>" if person["email"] else ""),
        f"Run: {payload['run_id']}",
        f"Started: {payload['started_at']}",
    ]
    if payload["launch_tag"]:
        lines.append(f"Launch tag: {payload['launch_tag']}")
    if payload["context"]:
        lines.append(f"Context: {payload['context']}")
    lines += ["", "Answers:"]
    for number, step in enumerate(payload["steps"], start=1):
        lines += [
            f"{number}. {step['message']}",
            f"   Answer: {step['display_value'] or '-'} (at {step['acknowledged_at']})",
        ]
    if not payload["steps"]:
        lines.append("(none yet)")
    if payload["variables"]:
        lines += ["", "Variables:"] + [f"  {key}: {value}" for key, value in payload["variables"].items()]
    return subject, "\n".join(lines) + "\n"
