"""Message (Rogerthat's message step): templated text with buttons and an optional dismiss; waits for the
answer. Each button is an exit, and so is the dismiss ("dismiss"). On SMS or email (`channel`) the person
replies in text (engine.core.text_replies); a reply matching no option is asked again, or takes the "other"
exit with `unrecognised: "other"`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.core import formats, template, timing
from engine.core.elements import (
    Context,
    ElementType,
    InvalidReply,
    SendMessage,
    Step,
    Wait,
    default_alert,
    register,
)
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

MAX_TEXT = 4096
MAX_CAPTION = 64
BUTTON_ID = re.compile(r"[A-Za-z0-9_.:=+/-]{1,200}")
DISMISS_EXIT = "dismiss"
# The exit taken when a reply timeout is set and nobody answers in time.
NO_ANSWER_EXIT = "no_answer"
DEFAULT_DISMISS_CAPTION = "Roger that"
# Where the message goes: the web inbox, an SMS, an email, or the person's preferred channel (which the
# engine resolves when sending). Outside the web a reply is free text, read by engine.core.text_replies.
CHANNELS = ["web", "sms", "email", "preferred"]
# What a text reply matching no option does: ask again, or take the "other" exit with the text.
UNRECOGNISED = ["reprompt", "other"]
OTHER_EXIT = "other"
OTHER_UNWIRED = (
    'The "other reply" exit (an SMS or email reply that matches no option) is not connected to a next step'
)
MAX_REPROMPT = 1000
ALERT_TYPES = ["SILENT", "BEEP", "RING_5", "RING_15", "RING_30", "RING_60"]
# The XSD's names; the number is the pause in seconds between repeats.
ALERT_INTERVALS = [
    "NONE",
    "INTERVAL_5",
    "INTERVAL_15",
    "INTERVAL_30",
    "INTERVAL_60",
    "INTERVAL_300",
    "INTERVAL_900",
    "INTERVAL_3600",
]


# Config schema of the options a message and a form message share (branding, alert, lock, attachments).
OPTION_PROPERTIES: dict = {
    # Reply timeout: without an answer after this long the participant takes the "no_answer" exit.
    "timeout": {"oneOf": [{"type": "null"}, timing.DURATION_SCHEMA]},
    "branding": {"type": ["string", "null"], "minLength": 1},
    "alert": {
        "type": "object",
        "properties": {
            "type": {"enum": ALERT_TYPES},
            "interval": {"enum": ALERT_INTERVALS},
            "vibrate": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    "auto_lock": {"type": "boolean"},
    "channel": {"enum": CHANNELS},
    "unrecognised": {"enum": UNRECOGNISED},
    # A template like the text; "" = the built-in "Sorry, I did not understand: <reason>".
    "reprompt": {"type": "string"},
    "attachments": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["name", "url", "content_type", "size"],
            "properties": {
                "name": {"type": "string"},
                "url": {"type": "string"},
                "content_type": {"type": "string"},
                "size": {"type": "integer", "minimum": 0},
            },
            "additionalProperties": False,
        },
    },
}


def text_problems(text: str) -> list[tuple[str, str]]:
    """(code, message) for a message text that is blank, too long or not a valid template; shared by
    the message and form message elements."""
    if not text.strip():
        return [("required", "Write the message text")]
    if len(text) > MAX_TEXT:
        return [("too_long", f"The message text is longer than {MAX_TEXT} characters")]
    problem = template.check(text)
    return [("bad_template", f"The message text is not a valid template: {problem}")] if problem else []


def reply_wait(config: dict, ctx: Context) -> Wait:
    """What a message waits for: a reply, until the reply timeout if it has one."""
    timeout = config.get("timeout")
    return Wait("reply", ctx.now + timing.duration(timeout) if timeout else None)


def timeout_issues(node: Node) -> list[Issue]:
    """The reply timeout's problems (shared by message and form message)."""
    timeout = node.config.get("timeout")
    problem = timing.duration_problem(timeout, what="reply timeout") if timeout is not None else None
    return [Issue("invalid", problem, node.id, "config.timeout")] if problem else []


def with_no_answer(config: dict, exits: list[str]) -> list[str]:
    """The answer exits, then "other" when text replies may match nothing, then "no_answer" with a timeout."""
    if takes_other(config):
        exits = [*exits, OTHER_EXIT]
    return [*exits, NO_ANSWER_EXIT] if config.get("timeout") else exits


NO_ANSWER_UNWIRED = 'The "no answer" exit (nobody answered in time) is not connected to a next step'


# --- channels: SMS and email replies (shared by message and form message) ---------------------------------


def channel_options(config: dict) -> dict:
    """The channel options with defaults for missing keys: a message without them goes to the web inbox."""
    return {
        "channel": config.get("channel", "web"),
        "unrecognised": config.get("unrecognised", "reprompt"),
        "reprompt": config.get("reprompt", ""),
    }


def takes_other(config: dict) -> bool:
    """Whether the node has the "other" exit: a text channel whose unmatched replies move on."""
    opts = channel_options(config)
    return opts["channel"] != "web" and opts["unrecognised"] == OTHER_EXIT


def channel_issues(node: Node) -> list[Issue]:
    """The reprompt text's problems: too long or not a valid template (blank is the default text)."""
    reprompt = channel_options(node.config)["reprompt"]
    if len(reprompt) > MAX_REPROMPT:
        return [
            Issue(
                "too_long",
                f"The reprompt is longer than {MAX_REPROMPT} characters",
                node.id,
                "config.reprompt",
            )
        ]
    problem = template.check(reprompt) if reprompt.strip() else None
    if problem:
        return [
            Issue(
                "bad_template", f"The reprompt is not a valid template: {problem}", node.id, "config.reprompt"
            )
        ]
    return []


def render_reprompt(config: dict, ctx: Context) -> str:
    """The reprompt for this participant ("" for the built-in one); TemplateError if it cannot render."""
    reprompt = channel_options(config)["reprompt"]
    if not reprompt.strip():
        return ""
    return template.render(reprompt, person=ctx.person, variables=ctx.variables)


def other_text(node: Node, reply: dict) -> str | None:
    """The text of an "other" reply {"node_id", "other": True, "text"}, None for any other reply.
    InvalidReply when the node has no "other" exit (web, or unmatched replies are asked again)."""
    if not reply.get("other"):
        return None
    if not takes_other(node.config):
        raise InvalidReply(f'"{node.id}" takes no replies outside its options')
    text = reply.get("text")
    if not isinstance(text, str):
        raise InvalidReply("An other reply needs its text")
    return text


def other_result(text: str) -> dict:
    """The answer fields of a results step for an "other" reply: answer_id "other", no button, the text
    typed as Rogerthat types free text, and "other: <text>" where results show the answer."""
    return {
        "answer_id": OTHER_EXIT,
        "button": None,
        "form_result": {"type": "unicode_result", "value": text},
        "display_value": f"{OTHER_EXIT}: {text}",
    }


def options(config: dict) -> dict:
    """Every message option with the default filled in for a missing key (flows older than the option)."""
    alert = default_alert() | config.get("alert", {})
    return {
        "allow_dismiss": config.get("allow_dismiss", False),
        "dismiss_caption": config.get("dismiss_caption", DEFAULT_DISMISS_CAPTION),
        "branding": config.get("branding"),
        "alert": alert,
        "auto_lock": config.get("auto_lock", True),
        "attachments": [dict(a) for a in config.get("attachments", [])],
    }


def localised(config: dict, translation: dict) -> dict:
    """The config with the texts of the person's language (a Rogerthat set with several
    languages imports as one flow plus translations); untranslated texts stay as they are."""
    if not translation:
        return config
    captions = translation.get("buttons", {})
    return {
        **config,
        "text": translation.get("text", config.get("text", "")),
        "dismiss_caption": translation.get(
            "dismiss_caption", config.get("dismiss_caption", DEFAULT_DISMISS_CAPTION)
        ),
        "buttons": [{**b, "caption": captions.get(b["id"], b["caption"])} for b in config.get("buttons", [])],
        **({"reprompt": translation["reprompt"]} if "reprompt" in translation else {}),
    }


@register
class Message(ElementType):
    type = "message"
    label = "Message"
    category = "step"
    sends_message = True
    # Shape only: content rules (blank, length, uniqueness, action schemes) live in validate() for readable
    # messages. Every key is optional; options() gives the defaults of the ones left out.
    config_schema = {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "buttons": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "caption"],
                    "properties": {
                        "id": {"type": "string"},
                        "caption": {"type": "string"},
                        "action": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
            },
            "allow_dismiss": {"type": "boolean"},
            "dismiss_caption": {"type": "string"},
            **OPTION_PROPERTIES,
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        # The options are left out: a missing key means its default (see options()).
        return {"text": "", "buttons": [{"id": "ok", "caption": "OK"}]}

    def exits(self, config: dict) -> list[str]:
        # A duplicated button id is one exit (and a validation issue), not two.
        names = [b["id"] for b in config.get("buttons", [])]
        if config.get("allow_dismiss", False):
            names.append(DISMISS_EXIT)
        return with_no_answer(config, list(dict.fromkeys(names)))

    def unwired_message(self, config: dict, exit_name: str) -> str:
        if exit_name == NO_ANSWER_EXIT and config.get("timeout"):
            return NO_ANSWER_UNWIRED
        if exit_name == OTHER_EXIT and takes_other(config):
            return OTHER_UNWIRED
        if exit_name == DISMISS_EXIT and config.get("allow_dismiss", False):
            caption = (
                config.get("dismiss_caption", DEFAULT_DISMISS_CAPTION).strip() or DEFAULT_DISMISS_CAPTION
            )
            return f'The dismiss button "{caption}" is not connected to a next step'
        caption = next((b["caption"] for b in config.get("buttons", []) if b["id"] == exit_name), "")
        return f'Button "{caption.strip() or exit_name}" is not connected to a next step'

    def validate(self, node: Node) -> list[Issue]:
        issues: list[Issue] = []

        def add(code: str, message: str, field: str) -> None:
            issues.append(Issue(code, message, node.id, field))

        config = node.config
        for code, message in text_problems(config.get("text", "")):
            add(code, message, "config.text")

        buttons = config.get("buttons", [])
        allow_dismiss = config.get("allow_dismiss", False)
        if not buttons and not allow_dismiss:
            add("required", "Add at least one button or allow dismissing the message", "config.buttons")
        seen_ids: set[str] = set()
        seen_captions: set[str] = set()
        for i, button in enumerate(buttons):
            where = f"config.buttons[{i}]"
            bid, caption = button["id"], button["caption"].strip()
            if not BUTTON_ID.fullmatch(bid):
                add(
                    "invalid_id",
                    f'Button id "{bid}" may only use letters, digits and _ . : = + / - (1 to 200 characters)',
                    f"{where}.id",
                )
            elif bid in (DISMISS_EXIT, NO_ANSWER_EXIT) or (bid == OTHER_EXIT and takes_other(config)):
                add(
                    "reserved_id",
                    f'The id "{bid}" is kept for the {bid.replace("_", " ")} exit',
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
            problem = formats.action_problem(button.get("action", ""))
            if problem:
                add("invalid_action", f"Button {i + 1}: {problem}", f"{where}.action")

        if allow_dismiss:
            caption = config.get("dismiss_caption", DEFAULT_DISMISS_CAPTION)
            if not caption.strip():
                add("required", "The dismiss button needs a caption", "config.dismiss_caption")
            elif len(caption) > MAX_CAPTION:
                add(
                    "too_long",
                    f"The dismiss caption is longer than {MAX_CAPTION} characters",
                    "config.dismiss_caption",
                )
            elif caption.strip().casefold() in seen_captions:
                add(
                    "duplicate",
                    f'A button is already captioned "{caption.strip()}"',
                    "config.dismiss_caption",
                )

        for i, attachment in enumerate(config.get("attachments", [])):
            where = f"config.attachments[{i}]"
            if not attachment["name"].strip():
                add("required", f"Attachment {i + 1} needs a name", f"{where}.name")
            if not formats.is_web_url(attachment["url"]):
                add(
                    "invalid_url",
                    f"Attachment {i + 1} needs an http:// or https:// address with a host name",
                    f"{where}.url",
                )
            if not attachment["content_type"].strip():
                add(
                    "required",
                    f"Attachment {i + 1} needs a content type, e.g. image/png",
                    f"{where}.content_type",
                )
        return issues + timeout_issues(node) + channel_issues(node)

    def enter(self, node: Node, ctx: Context) -> Step:
        config = localised(node.config, ctx.translation)
        try:
            text = template.render(config.get("text", ""), person=ctx.person, variables=ctx.variables)
        except template.TemplateError as exc:
            return Step.fail(f"The text of message {node.id!r} could not be rendered: {exc}")
        try:
            reprompt = render_reprompt(config, ctx)
        except template.TemplateError as exc:
            return Step.fail(f"The reprompt of message {node.id!r} could not be rendered: {exc}")
        buttons = [
            {"id": b["id"], "caption": b["caption"], "action": b.get("action", "")}
            for b in config.get("buttons", [])
        ]
        send = SendMessage(
            node_id=node.id,
            text=text,
            buttons=buttons,
            **options(config),
            channel=channel_options(config)["channel"],
            reprompt=reprompt,
        )
        # The text as sent goes into the results step when the answer comes.
        return Step.wait(send, memo={"text": text}, until=reply_wait(config, ctx))

    def wake(self, node: Node, ctx: Context) -> Step:
        return Step.follow(NO_ANSWER_EXIT, note="No answer in time")

    def resume(self, node: Node, ctx: Context, reply: dict) -> Step:
        result = self._result(node, ctx, reply, received_at=ctx.entered_at, text=ctx.memo.get("text"))
        return Step.follow(result["answer_id"] or DISMISS_EXIT, result=result)

    def change_answer(self, node: Node, ctx: Context, reply: dict, recorded: dict) -> dict:
        if options(node.config)["auto_lock"]:
            raise InvalidReply(f'"{node.id}" locks after the first answer')
        return self._result(node, ctx, reply, received_at=recorded["received_at"], text=recorded["message"])

    def _result(self, node: Node, ctx: Context, reply: dict, *, received_at: str, text: str | None) -> dict:
        """Rogerthat's message step: what the results delivery reports for this answer."""
        config = localised(node.config, ctx.translation)
        return {
            "step_id": node.id,
            "step_type": "message_step",
            "message": config.get("text", "") if text is None else text,
            **self._answer(node, config, reply),
            "received_at": received_at,
            "acknowledged_at": ctx.now.isoformat(),
        }

    def _answer(self, node: Node, config: dict, reply: dict) -> dict:
        """The answer fields of the results step: a button, the dismiss, or an "other" text reply."""
        other = other_text(node, reply)
        if other is not None:
            return other_result(other)
        button_id = reply.get("button_id")
        if button_id is None:
            if not config.get("allow_dismiss", False):
                raise InvalidReply(f'"{node.id}" cannot be dismissed')
            display = config.get("dismiss_caption", DEFAULT_DISMISS_CAPTION)
            return {"answer_id": None, "button": None, "form_result": None, "display_value": display}
        button = next((b for b in config.get("buttons", []) if b["id"] == button_id), None)
        if button is None:
            raise InvalidReply(f'"{node.id}" has no button "{button_id}"')
        caption = button["caption"]
        return {"answer_id": button_id, "button": caption, "form_result": None, "display_value": caption}
