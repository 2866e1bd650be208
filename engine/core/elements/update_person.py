"""Update person: set or clear standard and custom attributes from a constant, a flow variable or a
template. The values are written through the assets (people.services on the Django side: checked for
the attribute's type, change events), all or nothing, at once, so later steps of the same advance see
them; a refused update changes nothing and the reason goes into the participant's history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core import template
from engine.core import variables as flow_variables
from engine.core.elements import Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

SOURCES = ("value", "variable", "template")
MAX_UPDATES = 50


@register
class UpdatePersonElement(ElementType):
    type = "update_person"
    label = "Update person"
    category = "step"
    config_schema = {
        "type": "object",
        "required": ["updates"],
        "properties": {
            "updates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["attribute", "action"],
                    "properties": {
                        "attribute": {"type": "string"},
                        "action": {"enum": ["set", "clear"]},
                        "source": {"enum": list(SOURCES)},
                        # the constant (JSON as the people API takes it), the variable name, or the template
                        "value": {},
                    },
                    "additionalProperties": False,
                },
            }
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"updates": [{"attribute": "", "action": "set", "source": "value", "value": ""}]}

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def validate(self, node: Node) -> list[Issue]:
        issues: list[Issue] = []
        updates = node.config["updates"]
        if not updates:
            issues.append(
                Issue("required", "Add at least one attribute to update", node.id, "config.updates")
            )
        if len(updates) > MAX_UPDATES:
            issues.append(Issue("too_many", f"At most {MAX_UPDATES} updates", node.id, "config.updates"))
        seen: set[str] = set()
        for i, update in enumerate(updates):
            where = f"config.updates[{i}]"
            key = update["attribute"].strip()
            if not key:
                issues.append(
                    Issue(
                        "required", f"Choose the attribute of update {i + 1}", node.id, f"{where}.attribute"
                    )
                )
            elif key in seen:
                issues.append(Issue("duplicate", f'"{key}" is updated twice', node.id, f"{where}.attribute"))
            seen.add(key)
            if update["action"] == "clear":
                continue
            source = update.get("source", "value")
            value = update.get("value")
            if source == "variable" and not (isinstance(value, str) and flow_variables.NAME.fullmatch(value)):
                issues.append(Issue("invalid_name", flow_variables.NAME_RULE, node.id, f"{where}.value"))
            elif source == "template":
                if not isinstance(value, str) or not value.strip():
                    issues.append(Issue("required", "Write the template", node.id, f"{where}.value"))
                elif problem := template.check(value):
                    issues.append(
                        Issue("bad_template", f"Not a valid template: {problem}", node.id, f"{where}.value")
                    )
            elif source == "value" and (value is None or value == ""):
                issues.append(
                    Issue(
                        "required",
                        f"Give the value for {key or 'the attribute'} (or clear it)",
                        node.id,
                        f"{where}.value",
                    )
                )
        return issues

    def enter(self, node: Node, ctx: Context) -> Step:
        values: dict = {}
        for update in node.config["updates"]:
            key = update["attribute"]
            if update["action"] == "clear":
                values[key] = None
                continue
            source, value = update.get("source", "value"), update.get("value")
            if source == "variable":
                values[key] = ctx.variables.get(value)
            elif source == "template":
                try:
                    values[key] = template.render(value, person=ctx.person, variables=ctx.variables)
                except template.TemplateError as exc:
                    return Step.fail(f'The template for {key} in "{node.id}" could not be rendered: {exc}')
            else:
                values[key] = value
        refused = ctx.assets.update_person(values)
        if refused:
            return Step.follow("next", note=f"Not updated: {refused}")
        # Later texts in this advance see the new values.
        ctx.person.update(values)
        return Step.follow("next")
