"""The deltas of the flow reports' counters, collected where participants move and published as one outbox
event per transaction ("report.counts"); engine/reports/handlers.py adds them to the counters.

Why an outbox event and not an UPDATE of the counters right here: every answer to a flow would then lock
the same counter rows until its transaction commits, serialising all answers of a flow. The event is
written in the moving transaction (so it exists exactly when the move does) and the atomic handler adds it
exactly once in its own short transaction.

What is counted, per flow version and element ("" is the flow as a whole):
- element: `entered` (each time someone enters it), `waiting` (how many are there now: +1 on arriving at a
  step that waits, -1 on leaving it), `exit` per exit name (each time someone leaves by it; "" is a
  completion at an Exit), `timed_out` (left by a time-limit exit), `failed` (a participant failed there),
  and `value` per answer value of Form messages whose widget has few values (choices, sliders, dates);
- the flow: `entered`, `active` (now in the flow), `completed`, `failed`, `exited`, also per hour.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from messaging.counting import REPORT_COUNTS as TOPIC
from people import outbox

LIVE = ("active", "waiting")
# Exits taken when a time limit passed (engine/core/elements/message.py, form_message, wait, evaluate_reply).
TIMEOUT_EXITS = frozenset({"no_answer", "timed_out"})
# A date_select in "time" mode: its answers are times of day, counted per "HH:MM" rather than per day.
TIME_SELECT = "date_select:time"
# Form widgets whose answers are counted by value (the others are listed, not counted: engine/reports).
COUNTED_WIDGETS = frozenset(
    {"single_select", "multi_select", "slider", "range_slider", "date_select", TIME_SELECT}
)
MAX_LABEL = 200


def hour_of(at: datetime) -> str:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0).isoformat()


def value_labels(widget_type: str, value: object) -> list[str]:
    """The counted labels of one Form message answer: a choice each, a slider's number, a date's day."""
    if widget_type not in COUNTED_WIDGETS or value is None:
        return []
    if widget_type == "multi_select" and isinstance(value, list):
        return [str(v)[:MAX_LABEL] for v in value]
    if widget_type == "range_slider" and isinstance(value, list) and len(value) == 2:
        return [f"{_number(value[0])} – {_number(value[1])}"]
    if widget_type == "slider":
        return [_number(value)]
    if widget_type == "date_select" and isinstance(value, int | float):
        return [datetime.fromtimestamp(value, UTC).date().isoformat()]
    if widget_type == TIME_SELECT and isinstance(value, int | float):
        return [datetime.fromtimestamp(value % 86400, UTC).strftime("%H:%M")]
    return [str(value)[:MAX_LABEL]]


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


class Tally:
    """Counter deltas of one transaction; `publish()` writes them as one outbox event (nothing if empty)."""

    def __init__(self) -> None:
        self.nodes: Counter[tuple[int, str, str, str]] = Counter()
        self.hours: Counter[tuple[int, str, str]] = Counter()

    def add(self, version_id: int, node_id: str, metric: str, label: str = "", n: int = 1) -> None:
        self.nodes[(version_id, node_id, metric, label[:MAX_LABEL])] += n

    def flow_event(self, version_id: int, metric: str, at: datetime) -> None:
        """A participant entered, completed, failed or exited the flow at `at`."""
        self.add(version_id, "", metric)
        self.add(version_id, "", "active", n=1 if metric == "entered" else -1)
        self.hours[(version_id, hour_of(at), metric)] += 1

    def moved(
        self,
        participant,
        *,
        old_state: dict | None,
        new_state: dict,
        widgets: dict[str, str],
        now: datetime,
    ) -> None:
        """Count one participant's advance from `old_state` (None: just created) to `new_state`.
        `widgets` maps Form message ids of the version to their widget type."""
        version_id = participant.version_id
        old_state = old_state or {}
        old_history = old_state.get("history") or []
        history = new_state.get("history") or []
        old_status, status = old_state.get("status"), new_state.get("status")
        if not old_state:
            self.flow_event(version_id, "entered", now)
        last = len(old_history) - 1
        if old_history and not old_history[last].get("left_at") and history[last].get("left_at"):
            self._left(version_id, history[last])
        for entry in history[len(old_history) :]:
            self.add(version_id, entry["node_id"], "entered")
            if entry.get("left_at"):
                self._left(version_id, entry)
        if old_status in LIVE and old_state.get("current"):
            self.add(version_id, old_state["current"], "waiting", n=-1)
        if status in LIVE and new_state.get("current"):
            self.add(version_id, new_state["current"], "waiting")
        if status != old_status and status in ("completed", "failed", "exited"):
            self.flow_event(version_id, status, now)
            if status == "failed" and new_state.get("current"):
                self.add(version_id, new_state["current"], "failed")
        for result in (new_state.get("steps") or [])[len(old_state.get("steps") or []) :]:
            widget = widgets.get(result.get("step_id") or "")
            form_result = result.get("form_result") or {}
            if widget and isinstance(form_result, dict):
                for label in value_labels(widget, form_result.get("value")):
                    self.add(version_id, result["step_id"], "value", label)

    def _left(self, version_id: int, entry: dict) -> None:
        exit_name = entry.get("exit") or ""
        self.add(version_id, entry["node_id"], "exit", exit_name)
        if exit_name in TIMEOUT_EXITS:
            self.add(version_id, entry["node_id"], "timed_out")

    def publish(self) -> None:
        """One outbox event with every non-zero delta, in the caller's transaction."""
        nodes = [[*key, n] for key, n in sorted(self.nodes.items()) if n]
        hours = [[*key, n] for key, n in sorted(self.hours.items()) if n]
        if nodes or hours:
            outbox.publish(TOPIC, {"nodes": nodes, "hours": hours})
        self.nodes.clear()
        self.hours.clear()


def form_widgets(defn) -> dict[str, str]:
    """Form message ids of a loaded definition -> their widget type (for `Tally.moved`; TIME_SELECT for a
    date_select in time mode)."""
    found = {}
    for node in defn.nodes.values():
        if node.type == "form_message":
            widget = node.config.get("widget") or {}
            kind = widget.get("type", "")
            found[node.id] = TIME_SELECT if kind == "date_select" and widget.get("mode") == "time" else kind
    return found
