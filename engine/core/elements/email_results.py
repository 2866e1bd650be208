"""Email results (Rogerthat's resultsEmail): email the results so far to addresses and/or the flow's
admins, then pass on. Who the admins are is the caller's business (engine/services.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core import formats
from engine.core.elements import Context, ElementType, Step, register
from engine.core.elements import EmailResults as EmailResultsEvent
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node


@register
class EmailResults(ElementType):
    type = "email_results"
    label = "Email results"
    category = "step"
    config_schema = {
        "type": "object",
        "properties": {
            "emails": {"type": "array", "items": {"type": "string"}},
            "email_admins": {"type": "boolean"},
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"emails": [], "email_admins": False}

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def validate(self, node: Node) -> list[Issue]:
        issues: list[Issue] = []
        emails = node.config.get("emails", [])
        if not emails and not node.config.get("email_admins", False):
            message = "Add at least one email address or send the results to the flow's admins"
            issues.append(Issue("required", message, node.id, "config.emails"))
        seen: set[str] = set()
        for i, email in enumerate(emails):
            field = f"config.emails[{i}]"
            if not formats.is_email(email.strip()):
                issues.append(Issue("invalid_email", f'"{email}" is not an email address', node.id, field))
            elif email.strip().casefold() in seen:
                issues.append(Issue("duplicate", f'"{email.strip()}" is listed twice', node.id, field))
            seen.add(email.strip().casefold())
        return issues

    def enter(self, node: Node, ctx: Context) -> Step:
        emails = [e.strip() for e in node.config.get("emails", []) if e.strip()]
        event = EmailResultsEvent(
            node_id=node.id, emails=emails, email_admins=node.config.get("email_admins", False)
        )
        return Step.follow("next", event)
