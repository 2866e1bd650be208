"""Message: sends text with buttons and waits; each button is an exit."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.core.elements import Context, ElementType, InvalidReply, SendMessage, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

MAX_TEXT = 4096
MAX_CAPTION = 64
BUTTON_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@register
class Message(ElementType):
    type = "message"
    label = "Message"
    category = "step"
    # Shape only: content rules (blank, length, uniqueness) live in validate() for readable messages.
    config_schema = {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "buttons": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "caption"],
                    "properties": {"id": {"type": "string"}, "caption": {"type": "string"}},
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"text": "", "buttons": [{"id": "ok", "caption": "OK"}]}

    def exits(self, config: dict) -> list[str]:
        # A duplicated button id is one exit (and a validation issue), not two.
        return list(dict.fromkeys(b["id"] for b in config.get("buttons", [])))

    def unwired_message(self, config: dict, exit_name: str) -> str:
        caption = next((b["caption"] for b in config.get("buttons", []) if b["id"] == exit_name), "")
        return f'Button "{caption.strip() or exit_name}" is not connected to a next step'

    def validate(self, node: Node) -> list[Issue]:
        issues: list[Issue] = []

        def add(code: str, message: str, field: str) -> None:
            issues.append(Issue(code, message, node.id, field))

        text = node.config.get("text", "")
        if not text.strip():
            add("required", "Write the message text", "config.text")
        elif len(text) > MAX_TEXT:
            add("too_long", f"The message text is longer than {MAX_TEXT} characters", "config.text")

        buttons = node.config.get("buttons", [])
        if not buttons:
            add("required", "Add at least one button", "config.buttons")
        seen_ids: set[str] = set()
        seen_captions: set[str] = set()
        for i, button in enumerate(buttons):
            where = f"config.buttons[{i}]"
            bid, caption = button["id"], button["caption"].strip()
            if not BUTTON_ID.fullmatch(bid):
                add(
                    "invalid_id",
                    f'Button id "{bid}" may only use letters, digits and _ . : - (1 to 64 characters)',
                    f"{where}.id",
                )
            elif bid in seen_ids:
                add("duplicate", f'Button id "{bid}" is used by more than one button', f"{where}.id")
            seen_ids.add(bid)
            if not caption:
                add("required", f"Button {i + 1} needs a caption", f"{where}.caption")
            elif len(button["caption"]) > MAX_CAPTION:
                add(
                    "too_long",
                    f"Button {i + 1} caption is longer than {MAX_CAPTION} characters",
                    f"{where}.caption",
                )
            elif caption.casefold() in seen_captions:
                add("duplicate", f'Two buttons are captioned "{caption}"', f"{where}.caption")
            seen_captions.add(caption.casefold())
        return issues

    def enter(self, node: Node, ctx: Context) -> Step:
        buttons = [{"id": b["id"], "caption": b["caption"]} for b in node.config.get("buttons", [])]
        return Step.wait(SendMessage(node_id=node.id, text=node.config.get("text", ""), buttons=buttons))

    def resume(self, node: Node, ctx: Context, reply: dict) -> Step:
        button_id = reply.get("button_id")
        button = next((b for b in node.config.get("buttons", []) if b["id"] == button_id), None)
        if button is None:
            raise InvalidReply(f'"{node.id}" has no button "{button_id}"')
        # Rogerthat's results step shape: what the result callback delivers for this answer.
        result = {
            "step_id": node.id,
            "step_type": "message_step",
            "message": node.config.get("text", ""),
            "answer_id": button["id"],
            "button": button["caption"],
            "received_at": ctx.entered_at,
            "acknowledged_at": ctx.now.isoformat(),
        }
        return Step.follow(button["id"], result=result)
