"""Evaluate inbound reply: wait for a free-text reply from the person and branch on it with the Inbound
Message operators (engine/core/inbound.py).

    {"channel": "sms",
     "branches": [
         {"id": "yes", "name": "Yes", "conditions": [{"operator": "matches_text", "values": ["yes", "y"]}]},
         {"id": "stop", "name": "Stop", "conditions": [{"operator": "contains_word", "values": ["stop"]}]}],
     "variable": "reply", "timeout": {"amount": 1, "unit": "days"}}

Sends nothing: a message before it asks the question. The first branch (in order) with any condition the
reply fulfils is taken, else "other"; with a timeout, "no_answer" when nobody replies in time. The reply
is recorded as a results step (step_type "reply_step", its text as a unicode_result form result) and kept
in `variable` when one is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.core import branches, inbound
from engine.core import variables as flow_variables
from engine.core.elements import Context, ElementType, InvalidReply, Step, register
from engine.core.elements.inbound_message import conditions_issues
from engine.core.elements.message import (
    NO_ANSWER_EXIT,
    NO_ANSWER_UNWIRED,
    OPTION_PROPERTIES,
    reply_wait,
    timeout_issues,
)
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

OTHER = "other"
CHANNELS = ("any", "web", "sms", "email")
MAX_CONDITIONS = 50
STEP_TYPE = "reply_step"


def _schema() -> dict:
    schema = branches.schema(conditions={"type": "array", "items": inbound.CONDITION_SCHEMA})
    schema["properties"].update(
        {
            "channel": {"enum": list(CHANNELS)},
            "variable": {"type": "string"},
            "timeout": OPTION_PROPERTIES["timeout"],
        }
    )
    return schema


@register
class EvaluateReply(ElementType):
    type = "evaluate_reply"
    label = "Evaluate inbound reply"
    category = "step"
    config_schema = _schema()
    # The engine routes a person's free text to a participant waiting at an element that accepts text.
    accepts_text = True

    def defaults(self) -> dict:
        return {
            "channel": "any",
            "branches": [
                {"id": "b1", "name": "Branch 1", "conditions": [{"operator": "matches_text", "values": [""]}]}
            ],
            "variable": "",
            "timeout": None,
        }

    def exits(self, config: dict) -> list[str]:
        names = [*branches.exits(config), OTHER, *([NO_ANSWER_EXIT] if config.get("timeout") else [])]
        # A branch wrongly named like a fixed exit is one exit (and a validation issue), not two.
        return list(dict.fromkeys(names))

    def unwired_message(self, config: dict, exit_name: str) -> str:
        if exit_name == OTHER:
            return 'The "other" exit (no branch matched the reply) is not connected'
        if exit_name == NO_ANSWER_EXIT and config.get("timeout"):
            return NO_ANSWER_UNWIRED
        return branches.unwired(config, exit_name)

    def validate(self, node: Node) -> list[Issue]:
        issues = branches.issues(node, at_least=1, reserved=OTHER)
        for i, branch in enumerate(node.config["branches"]):
            where = f"config.branches[{i}]"
            if branch["id"] == NO_ANSWER_EXIT:
                message = f'The id "{NO_ANSWER_EXIT}" is kept for the no answer exit'
                issues.append(Issue("reserved_id", message, node.id, f"{where}.id"))
            conditions = branch["conditions"]
            label = branch["name"].strip() or i + 1
            if not conditions:
                message = f'Branch "{label}" needs a condition on the reply'
                issues.append(Issue("required", message, node.id, f"{where}.conditions"))
            elif len(conditions) > MAX_CONDITIONS:
                message = f'Branch "{label}" has more than {MAX_CONDITIONS} conditions'
                issues.append(Issue("too_many", message, node.id, f"{where}.conditions"))
            issues += conditions_issues(node, conditions, f"{where}.conditions")
        variable = node.config.get("variable") or ""
        if variable and not flow_variables.NAME.fullmatch(variable):
            issues.append(Issue("invalid_name", flow_variables.NAME_RULE, node.id, "config.variable"))
        return issues + timeout_issues(node)

    @staticmethod
    def variable_references(config: dict) -> list[tuple[str, str]]:
        """(field, variable name) of the flow variable the reply is kept in, for the declared-variable
        check of engine/core/validate.py."""
        variable = config.get("variable")
        return [("config.variable", variable)] if variable and isinstance(variable, str) else []

    @staticmethod
    def accepts_channel(config: dict, channel: str) -> bool:
        """Whether a reply that came in on `channel` is for a participant waiting here."""
        wanted = config.get("channel", "any")
        return wanted == "any" or wanted == channel

    def enter(self, node: Node, ctx: Context) -> Step:
        return Step.wait(until=reply_wait(node.config, ctx))

    def wake(self, node: Node, ctx: Context) -> Step:
        return Step.follow(NO_ANSWER_EXIT, note="No reply in time")

    def resume(self, node: Node, ctx: Context, reply: dict) -> Step:
        """`reply` is {"node_id", "text", "inbound": {InboundText fields}}."""
        text = reply.get("text")
        if not isinstance(text, str):
            raise InvalidReply(f'"{node.id}" waits for a text reply')
        channel = (reply.get("inbound") or {}).get("channel", "")
        if channel and not self.accepts_channel(node.config, channel):
            raise InvalidReply(f'"{node.id}" waits for a reply by {node.config["channel"]}, not by {channel}')
        taken = next(
            (
                b["id"]
                for b in node.config["branches"]
                if any(inbound.condition_matches(c, text, ctx.person) for c in b["conditions"])
            ),
            OTHER,
        )
        variable = node.config.get("variable") or ""
        note = None
        if variable:
            try:
                ctx.variables[variable] = flow_variables.coerce(text, ctx.declared.get(variable, "text"))
            except flow_variables.VariableValueError as exc:
                note = f"The reply was not kept in {variable}: {exc}"
        return Step.follow(taken, result=self._result(node, ctx, text, taken), note=note)

    def _result(self, node: Node, ctx: Context, text: str, taken: str) -> dict[str, Any]:
        """The results step of the reply, in the shape of a form step's text answer (engine/results.py)."""
        name = next((b["name"] for b in node.config["branches"] if b["id"] == taken), None)
        return {
            "step_id": node.id,
            "step_type": STEP_TYPE,
            "message": "",
            "answer_id": taken,
            "button": name,
            "form_result": {"type": "unicode_result", "value": text},
            "display_value": text,
            "received_at": ctx.entered_at,
            "acknowledged_at": ctx.now.isoformat(),
        }
