"""Replay a member's recorded Rogerthat run through the engine core and report where the product differs.

Pure: the flow's definition goes through engine.core.runtime start/resume with the recorded answers, as the
member's language and at the recorded times; no message is sent and nothing is stored. The report names each
step where the product's path (the element it waits at), its results (the button, the form result, the
display value) or its end differ from the record, or says that the run matches.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from engine.core import runtime
from engine.core.definition import FlowDefinition
from flowdesigner.rogerthat.ids import shown
from flowdesigner.rogerthat.runs import moment

# The replay's clock when the record has no times.
FALLBACK_START = datetime(2020, 1, 1, tzinfo=UTC)
PHOTO_UPLOAD = "recorded-photo"


@dataclass
class ReplayReport:
    """What the replay found: `differences` is empty when the product did what the record says."""

    path: list[str] = field(default_factory=list)  # node ids the product waited at, in order
    differences: list[str] = field(default_factory=list)
    end: str | None = None  # the exit node the product reached

    @property
    def matches(self) -> bool:
        return not self.differences

    def lines(self) -> list[str]:
        """The report as text: "matches" or one line per difference."""
        if self.matches:
            return [f"matches: {len(self.path)} steps, same path, results and end"]
        return self.differences


def replay(defn: FlowDefinition, record: dict, *, entry_id: str) -> ReplayReport:
    """Run `record` (a RecordedRun.as_record()) through the flow from `entry_id` and compare."""
    report = ReplayReport()
    person = {"language": record["language"], "first_name": record["member"].get("name") or ""}
    now = moment(record.get("launched_at")) or FALLBACK_START
    state = runtime.start(defn, entry_id=entry_id, person=person, now=now).state
    for number, step in enumerate(record["steps"], start=1):
        label = f"step {number} ({shown(step['element'])})"
        if state["status"] != "waiting":
            report.differences.append(
                f"{label}: the record answers {step['node_id']}, but the product had already {_status(state)}"
            )
            return report
        if state["current"] != step["node_id"]:
            report.differences.append(
                f"{label}: the record answers {step['node_id']}, but the product waits at {state['current']}"
            )
            return report
        report.path.append(state["current"])
        now = max(now, moment(step.get("acknowledged_at")) or now)
        try:
            state = runtime.resume(defn, state, reply=_reply(step), now=now, person=person).state
        except runtime.ReplyError as exc:
            report.differences.append(f"{label}: the product refuses the recorded answer: {exc}")
            return report
        report.differences.extend(f"{label}: {d}" for d in _result_differences(step, state["steps"][-1]))
    _compare_end(record, state, report)
    return report


def _status(state: dict) -> str:
    if state["status"] == "completed":
        return f"ended at {(state.get('exit') or {}).get('node_id')}"
    return state["status"]


def _reply(step: dict) -> dict:
    """The recorded answer as the inbox would send it to runtime.resume."""
    reply = {"node_id": step["node_id"], "button_id": step["button_id"]}
    if step["kind"] != "MessageStep" and step["button_id"] == "positive":
        value = step["value"]
        if step["kind"] == "PhotoUploadWidgetStep":
            file = {**value, "content_type": "image/jpeg", "size": 0}
            reply |= {"value": {"upload": PHOTO_UPLOAD}, "files": {PHOTO_UPLOAD: file}}
        else:
            reply["value"] = value
    return reply


def _result_differences(recorded: dict, product: dict) -> list[str]:
    out = []
    if (product.get("answer_id") or None) != (recorded["button_id"] or None):
        out.append(
            f"the record pressed {recorded['button_id']!r}, the product recorded {product.get('answer_id')!r}"
        )
    if recorded["kind"] != "MessageStep" and recorded["button_id"] == "positive":
        value = (product.get("form_result") or {}).get("value")
        if recorded["kind"] == "PhotoUploadWidgetStep":
            value = (value or {}).get("url")
            expected = recorded["value"]["url"]
        else:
            expected = recorded["value"]
        if not _same(value, expected):
            out.append(f"the record's form result is {expected!r}, the product's {value!r}")
    shown_value = recorded.get("display_value")
    if shown_value is not None and shown_value != product.get("display_value"):
        out.append(f"the record shows {shown_value!r}, the product {product.get('display_value')!r}")
    return out


def _same(a: object, b: object) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _compare_end(record: dict, state: dict, report: ReplayReport) -> None:
    reached = (state.get("exit") or {}).get("node_id") if state["status"] == "completed" else None
    report.end = reached
    end = record.get("end")
    if end:
        if reached != end["node_id"]:
            where = f"ended at {reached}" if reached else f"is {state['status']} at {state.get('current')}"
            report.differences.append(f"end: the record ends at {end['node_id']}, the product {where}")
    elif record.get("status") == "FINISHED":
        if reached is None:
            report.differences.append(f"end: the record finished, the product is {state['status']}")
    elif reached is not None:
        report.differences.append(
            f"end: the record did not end ({record.get('status')}), the product ended at {reached}"
        )
