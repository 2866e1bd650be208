"""Wait: hold the participant for a duration, until a date/time, until a date attribute of the person plus
or minus an offset, or until an event happens (with a time limit and a "timed_out" exit).

The participant's timer (`Wait.wake_at`) is stored on its row and fired by the timer worker; an event
wait is resumed by the event's handler with {"node_id", "event": {"key", "properties"}}.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from engine.core import timing
from engine.core import variables as flow_variables
from engine.core.elements import Context, ElementType, InvalidReply, Step, Wait, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

MODES = ("duration", "until", "attribute", "event")
NEXT, TIMED_OUT, NO_DATE = "next", "timed_out", "no_date"


@register
class WaitElement(ElementType):
    type = "wait"
    label = "Wait"
    category = "step"
    config_schema = {
        "type": "object",
        "required": ["mode"],
        "properties": {
            "mode": {"enum": list(MODES)},
            # mode "duration"
            "duration": timing.DURATION_SCHEMA,
            # mode "until": an ISO date-time; without an offset it is read in the person's timezone
            "until": {"type": "string"},
            # mode "attribute": a DATE or DATETIME attribute, moved by `offset`; a DATE wakes at `time`
            "attribute": {"type": "string"},
            "offset": timing.OFFSET_SCHEMA,
            "time": {"type": "string"},
            # mode "event": the event definition key, the time limit, properties saved to variables
            "event": {"type": "string"},
            "timeout": timing.DURATION_SCHEMA,
            "save": flow_variables.SAVE_SCHEMA,
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"mode": "duration", "duration": {"amount": 1, "unit": "days"}}

    def exits(self, config: dict) -> list[str]:
        mode = config.get("mode")
        if mode == "event":
            return [NEXT, TIMED_OUT]
        if mode == "attribute":
            return [NEXT, NO_DATE]
        return [NEXT]

    def unwired_message(self, config: dict, exit_name: str) -> str:
        return {
            TIMED_OUT: 'The "timed out" exit (no event within the time limit) is not connected',
            NO_DATE: 'The "no date" exit (the person has no such date) is not connected',
        }.get(exit_name, "The next step after the wait is not connected")

    def validate(self, node: Node) -> list[Issue]:
        config = node.config
        issues: list[Issue] = []

        def add(code: str, message: str, field: str) -> None:
            issues.append(Issue(code, message, node.id, field))

        mode = config["mode"]
        if mode == "duration":
            problem = timing.duration_problem(config.get("duration"), what="duration of the wait")
            if problem:
                add("required" if "duration" not in config else "invalid", problem, "config.duration")
        elif mode == "until":
            if not config.get("until", "").strip():
                add("required", "Choose the date and time to wait until", "config.until")
            elif timing.parse_moment(config["until"], timing.UTC) is None:
                add("invalid", "Write the date and time as YYYY-MM-DDTHH:MM", "config.until")
        elif mode == "attribute":
            if not config.get("attribute", "").strip():
                add("required", "Choose the date attribute to wait for", "config.attribute")
            if "offset" in config and abs(timing.duration(config["offset"])) > timing.MAX_DURATION:
                add("invalid", "The offset is longer than ten years", "config.offset")
            if config.get("time") and timing.parse_local_time(config["time"]) is None:
                add("invalid", "Write the time of day as HH:MM", "config.time")
        elif mode == "event":
            if not config.get("event", "").strip():
                add("required", "Choose the event to wait for", "config.event")
            problem = timing.duration_problem(config.get("timeout"), what="time limit")
            if problem:
                add("required" if "timeout" not in config else "invalid", problem, "config.timeout")
            for code, message, field in flow_variables.save_problems(config.get("save", [])):
                add(code, message, f"config.{field}")
        return issues

    def enter(self, node: Node, ctx: Context) -> Step:
        config = node.config
        mode = config["mode"]
        zone = timing.person_zone(ctx.person)
        if mode == "duration":
            return Step.wait(until=Wait("timer", ctx.now + timing.duration(config["duration"])))
        if mode == "until":
            moment = timing.parse_moment(config["until"], zone)
            if moment is None:
                return Step.fail(f'The date of wait "{node.id}" cannot be read')
            return Step.follow(NEXT) if moment <= ctx.now else Step.wait(until=Wait("timer", moment))
        if mode == "attribute":
            moment = _attribute_moment(ctx.person.get(config["attribute"]), config, zone)
            if moment is None:
                return Step.follow(NO_DATE)
            return Step.follow(NEXT) if moment <= ctx.now else Step.wait(until=Wait("timer", moment))
        deadline = ctx.now + timing.duration(config["timeout"])
        return Step.wait(until=Wait("event", deadline, event=config["event"]))

    def wake(self, node: Node, ctx: Context) -> Step:
        return Step.follow(TIMED_OUT if node.config["mode"] == "event" else NEXT)

    def resume(self, node: Node, ctx: Context, reply: dict) -> Step:
        event = reply.get("event")
        if node.config["mode"] != "event" or not isinstance(event, dict):
            raise InvalidReply(f'"{node.id}" does not take replies')
        if event.get("key") != node.config["event"]:
            raise InvalidReply(f'"{node.id}" waits for the event {node.config["event"]!r}')
        occurred = event.get("occurred_at")
        if occurred and datetime.fromisoformat(occurred) < datetime.fromisoformat(ctx.entered_at):
            # A backfilled event from before the wait began does not end it.
            raise InvalidReply(f"The event happened before the participant reached {node.id!r}")
        properties = event.get("properties") or {}
        ctx.variables.update(
            flow_variables.from_properties(node.config.get("save", []), properties, ctx.declared)
        )
        return Step.follow(NEXT)


def _attribute_moment(value: object, config: dict, zone: tzinfo) -> datetime | None:
    """When a wait on a date attribute ends: the date (at `time` of day in the person's timezone,
    midnight by default) or date-time, moved by `offset`. None when the person has no such date."""
    offset = timing.duration(config["offset"]) if "offset" in config else timedelta(0)
    if isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        at = timing.parse_local_time(config.get("time", "")) or time(0, 0)
        return timing.at_local(day, at, zone) + offset
    if isinstance(value, str):
        moment = timing.parse_moment(value, zone)
        return moment + offset if moment else None
    return None
