"""The recorded run of a member in a Rogerthat `messageFlowRun`: the steps taken, the buttons pressed, the
form results and the end reached, read into plain JSON (stored as a RecordedRun, replayed by replay.py).

A member's steps name the elements and answers of the member's own language, so they are mapped to the
flow's internal ids through that language's original ids (ids.Originals).
"""

from datetime import UTC, datetime
from pathlib import PurePosixPath

from flowdesigner.rogerthat.ids import Originals, shown
from flowdesigner.rogerthat.nodes import Problems, children, tag
from flowdesigner.rogerthat.schema import XSI

# Rogerthat's default app (App.APP_ID_ROGERTHAT), taken when a member run names none.
DEFAULT_APP_ID = "rogerthat"
FORM_STEPS = {
    "TextWidgetStep",
    "SliderWidgetStep",
    "RangeSliderWidgetStep",
    "PhotoUploadWidgetStep",
    "GPSLocationWidgetStep",
    "SelectSingleWidgetStep",
    "SelectMultiWidgetStep",
    "SelectDateWidgetStep",
}
STATUSES = ("SUBMITTED", "INITIATED", "RUNNING", "FINISHED")


def seconds(value: str | None) -> int | None:
    """A Rogerthat timestamp in seconds (some exports write milliseconds)."""
    if value is None:
        return None
    number = int(value)
    return number // 1000 if number > 100_000_000_000 else number


def moment(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def recorded_runs(
    run_el, *, originals: Originals, base_language: str, node_types: dict[str, str], problems: Problems
) -> list[dict]:
    """Every <memberRun> of a <messageFlowRun> as a recorded run (see `_run` for its shape)."""
    launched = seconds(run_el.get("launchTimestamp"))
    return [
        _run(
            member, launched, run_el.get("serviceName") or "", originals, base_language, node_types, problems
        )
        for member in children(run_el, "memberRun")
    ]


def _run(member, launched, service, originals, base_language, node_types, problems) -> dict:
    email = member.get("email") or ""
    at = f'<memberRun email="{email}">'
    language = member.get("language")
    if language is None:
        problems.warnings.append(f"{at}: no language; the run is read in the base language ({base_language})")
        language = base_language
    elif language not in originals.languages:
        problems.warnings.append(
            f'{at}: the flow has no "{language}" definition; the run is read in the base language '
            f"({base_language}), as Rogerthat shows it"
        )
        language = base_language
    app_id = member.get("appId")
    if app_id is None:
        problems.warnings.append(f'{at}: no appId; taken as Rogerthat\'s default app "{DEFAULT_APP_ID}"')
        app_id = DEFAULT_APP_ID
    steps = [_step(step, at, language, originals, node_types, problems) for step in children(member, "step")]
    # Steps in the order they were taken (the file's order when timestamps tie).
    steps.sort(key=lambda s: s["created_at"] or 0)
    end = member.get("endReference")
    end_node = None
    if end is not None:
        end_node = originals.internal_node(language, end)
        if end_node is None or node_types.get(end_node) != "exit":
            problems.errors.append(
                f'{at}: endReference "{shown(end)}" is not an end of the [{language}] definition'
            )
    return {
        "member": {"email": email, "name": member.get("name") or "", "app_id": app_id},
        "language": language,
        "status": member.get("status"),
        "service": service,
        "launched_at": launched,
        "end": {"element": end, "node_id": end_node} if end is not None else None,
        "steps": steps,
    }


def _step(
    step, at: str, language: str, originals: Originals, node_types: dict[str, str], problems: Problems
) -> dict:
    """One step: the element answered (original and internal id), the answer and the recorded results."""
    element = step.get("definition") or ""
    at = f'{at} <step id="{shown(step.get("id") or "")}">'
    node_id = originals.internal_node(language, element)
    kind = (step.get(f"{{{XSI}}}type") or "").split(":")[-1]
    node_type = node_types.get(node_id or "")
    if node_id is None or node_type not in ("message", "form_message"):
        problems.errors.append(
            f'{at}: definition "{shown(element)}" is not a message of the [{language}] definition'
        )
    if not kind:
        kind = "MessageStep" if node_type == "message" else ""
    recorded = {
        "step_id": step.get("id"),
        "element": element,
        "node_id": node_id,
        "kind": kind,
        "message": step.get("message"),
        "button": step.get("button"),
        "display_value": step.get("displayValue"),
        "created_at": seconds(step.get("creationTimestamp")),
        "acknowledged_at": seconds(step.get("acknowledgedTimestamp")),
        "answer": None,
        "button_id": None,
        "value": None,
    }
    if kind == "MessageStep":
        answer = step.get("answer")
        recorded["answer"] = answer
        if answer is not None and node_id is not None:
            recorded["button_id"] = originals.internal_answer(language, node_id, answer)
            if recorded["button_id"] is None:
                problems.errors.append(
                    f'{at}: answer "{shown(answer)}" is not an answer of "{shown(element)}"'
                )
    elif kind in FORM_STEPS:
        button = step.get("formButton") or "positive"
        recorded["answer"] = recorded["button_id"] = button
        if button == "positive":
            recorded["value"] = _form_value(step, kind)
    else:
        problems.errors.append(f'{at}: a step of type "{kind or "?"}" cannot be replayed')
    return recorded


def _form_value(step, kind: str) -> object:
    """The recorded result as the inbox would submit it (see engine.core.widgets.form_value)."""
    if kind in ("TextWidgetStep", "SelectSingleWidgetStep"):
        return step.get("value")
    if kind == "SliderWidgetStep":
        return float(step.get("value"))
    if kind == "RangeSliderWidgetStep":
        return [float(v.get("value")) for v in children(step, "value")]
    if kind == "SelectMultiWidgetStep":
        return [v.get("value") for v in children(step, "selection")]
    if kind == "SelectDateWidgetStep":
        return int(step.get("date"))
    if kind == "PhotoUploadWidgetStep":
        url = step.get("value")
        return {"url": url, "name": PurePosixPath(url.split("?", 1)[0]).name or "photo.jpg"}
    return {  # GPSLocationWidgetStep
        "latitude": float(step.get("latitude")),
        "longitude": float(step.get("longitude")),
        "accuracy": float(step.get("horizontalAccuracy")),
        "altitude": float(step.get("altitude")),
        "timestamp": seconds(step.get("timestamp")),
    }


def is_run(root) -> bool:
    return tag(root) == "messageFlowRun"
