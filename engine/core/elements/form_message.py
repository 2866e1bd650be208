"""Form message (Rogerthat's formMessage): templated text with one widget and a positive and a negative
button, each an exit. The positive answer carries the widget's value, checked by engine.core.widgets and
optionally saved into a flow variable or a person attribute. The channel options (SMS, email, "other"
exit, reprompt) are a message's (engine.core.elements.message)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.core import formats, template, text_replies, widgets
from engine.core.elements import (
    Context,
    ElementType,
    InvalidReply,
    SendMessage,
    Step,
    register,
)
from engine.core.elements.message import (
    MAX_CAPTION,
    NO_ANSWER_EXIT,
    NO_ANSWER_UNWIRED,
    OPTION_PROPERTIES,
    OTHER_EXIT,
    OTHER_UNWIRED,
    channel_issues,
    channel_options,
    other_result,
    other_text,
    render_reprompt,
    reply_wait,
    takes_other,
    text_problems,
    timeout_issues,
    with_no_answer,
)
from engine.core.elements.message import options as message_options
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

POSITIVE, NEGATIVE = "positive", "negative"
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_CONFIRMATION = 1000
DEFAULT_CAPTIONS = {POSITIVE: "Submit", NEGATIVE: "Cancel"}
CHANNEL_NAMES = {"sms": "SMS", "email": "email"}


def form_options(config: dict) -> dict:
    """The form as the inbox gets it: the widget with every option, the captions and confirmations."""
    return {
        "widget": widgets.options(config.get("widget", {"type": "text_line"})),
        "positive_caption": config.get("positive_caption", DEFAULT_CAPTIONS[POSITIVE]),
        "positive_confirmation": config.get("positive_confirmation", ""),
        "negative_caption": config.get("negative_caption", DEFAULT_CAPTIONS[NEGATIVE]),
        "negative_confirmation": config.get("negative_confirmation", ""),
    }


def localised(config: dict, translation: dict) -> dict:
    """The config with the texts of the person's language: text, captions, confirmations, the widget's
    placeholder and choice labels. Untranslated texts stay as they are."""
    if not translation:
        return config
    out = dict(config)
    for key in (
        "text",
        "positive_caption",
        "negative_caption",
        "positive_confirmation",
        "negative_confirmation",
        "reprompt",
    ):
        if key in translation:
            out[key] = translation[key]
    widget = dict(config.get("widget", {}))
    if "placeholder" in translation and "placeholder" in widgets.DEFAULTS.get(widget.get("type", ""), {}):
        widget["placeholder"] = translation["placeholder"]
    labels = translation.get("choices", {})
    if labels and "choices" in widget:
        widget["choices"] = [{**c, "label": labels.get(c["value"], c["label"])} for c in widget["choices"]]
    out["widget"] = widget
    return out


@register
class FormMessage(ElementType):
    type = "form_message"
    label = "Form message"
    category = "step"
    sends_message = True
    config_schema = {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "widget": widgets.schema(),
            "positive_caption": {"type": "string"},
            "positive_confirmation": {"type": "string"},
            "negative_caption": {"type": "string"},
            "negative_confirmation": {"type": "string"},
            "save_to": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["kind", "name"],
                        "properties": {"kind": {"const": "variable"}, "name": {"type": "string"}},
                        "additionalProperties": False,
                    },
                    {
                        "type": "object",
                        "required": ["kind", "key"],
                        "properties": {"kind": {"const": "attribute"}, "key": {"type": "string"}},
                        "additionalProperties": False,
                    },
                ]
            },
            **OPTION_PROPERTIES,
        },
        "required": ["widget"],
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {
            "text": "",
            "widget": {"type": "text_line", **widgets.DEFAULTS["text_line"]},
            "positive_caption": DEFAULT_CAPTIONS[POSITIVE],
            "positive_confirmation": "",
            "negative_caption": DEFAULT_CAPTIONS[NEGATIVE],
            "negative_confirmation": "",
            "save_to": None,
            "branding": None,
            "alert": {"type": "SILENT", "interval": "NONE", "vibrate": False},
            "auto_lock": True,
            "attachments": [],
        }

    def exits(self, config: dict) -> list[str]:
        return with_no_answer(config, [POSITIVE, NEGATIVE])

    def unwired_message(self, config: dict, exit_name: str) -> str:
        if exit_name == NO_ANSWER_EXIT:
            return NO_ANSWER_UNWIRED
        if exit_name == OTHER_EXIT and takes_other(config):
            return OTHER_UNWIRED
        caption = config.get(f"{exit_name}_caption", DEFAULT_CAPTIONS.get(exit_name, exit_name)).strip()
        return f'The {exit_name} button "{caption or exit_name}" is not connected to a next step'

    def validate(self, node: Node) -> list[Issue]:
        issues: list[Issue] = []

        def add(code: str, message: str, field: str) -> None:
            issues.append(Issue(code, message, node.id, field))

        config = node.config
        for code, message in text_problems(config.get("text", "")):
            add(code, message, "config.text")

        for code, message, field in widgets.issues(config["widget"]):
            add(code, message, f"config.widget.{field}")
        channel = channel_options(config)["channel"]
        unanswerable = text_replies.NOT_BY_TEXT.get(config["widget"]["type"])
        if channel != "web" and unanswerable:
            where = "by SMS or email" if channel == "preferred" else f"by {CHANNEL_NAMES[channel]}"
            add(
                "unsupported_widget",
                f"A {unanswerable} cannot be answered {where}; send this form on the web channel "
                "or pick another widget",
                "config.channel",
            )

        captions: set[str] = set()
        for name in (POSITIVE, NEGATIVE):
            caption = config.get(f"{name}_caption", DEFAULT_CAPTIONS[name])
            where = f"config.{name}_caption"
            if not caption.strip():
                add("required", f"The {name} button needs a caption", where)
            elif len(caption) > MAX_CAPTION:
                add("too_long", f"The {name} caption is longer than {MAX_CAPTION} characters", where)
            elif caption.strip().casefold() in captions:
                add("duplicate", "The positive and negative buttons have the same caption", where)
            captions.add(caption.strip().casefold())
            if len(config.get(f"{name}_confirmation", "")) > MAX_CONFIRMATION:
                add(
                    "too_long",
                    f"The {name} confirmation is longer than {MAX_CONFIRMATION} characters",
                    f"config.{name}_confirmation",
                )

        save_to = config.get("save_to")
        if save_to and save_to["kind"] == "variable" and not VARIABLE_NAME.fullmatch(save_to["name"]):
            add(
                "invalid_name",
                "A variable name starts with a letter or _ and has only letters, digits and _ (at most 64)",
                "config.save_to.name",
            )
        if save_to and save_to["kind"] == "attribute" and not save_to["key"].strip():
            add("required", "Pick the attribute to save the answer in", "config.save_to.key")

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
                add("required", f"Attachment {i + 1} needs a content type", f"{where}.content_type")
        return issues + timeout_issues(node) + channel_issues(node)

    def enter(self, node: Node, ctx: Context) -> Step:
        config = localised(node.config, ctx.translation)
        try:
            text = template.render(config.get("text", ""), person=ctx.person, variables=ctx.variables)
        except template.TemplateError as exc:
            return Step.fail(f"The text of form message {node.id!r} could not be rendered: {exc}")
        try:
            reprompt = render_reprompt(config, ctx)
        except template.TemplateError as exc:
            return Step.fail(f"The reprompt of form message {node.id!r} could not be rendered: {exc}")
        opts = message_options(config)
        send = SendMessage(
            node_id=node.id,
            text=text,
            buttons=[],
            branding=opts["branding"],
            alert=opts["alert"],
            auto_lock=opts["auto_lock"],
            attachments=opts["attachments"],
            form=form_options(config),
            channel=channel_options(config)["channel"],
            reprompt=reprompt,
        )
        return Step.wait(send, memo={"text": text}, until=reply_wait(config, ctx))

    def wake(self, node: Node, ctx: Context) -> Step:
        return Step.follow(NO_ANSWER_EXIT, note="No answer in time")

    def resume(self, node: Node, ctx: Context, reply: dict) -> Step:
        config = localised(node.config, ctx.translation)
        text = ctx.memo.get("text")
        message = config.get("text", "") if text is None else text
        other = other_text(node, reply)
        if other is not None:
            # A text reply that is neither the negative caption nor a value: recorded, nothing saved.
            result = {
                "step_id": node.id,
                "step_type": "form_step",
                "message": message,
                **other_result(other),
                "received_at": ctx.entered_at,
                "acknowledged_at": ctx.now.isoformat(),
            }
            return Step.follow(OTHER_EXIT, result=result)
        form = form_options(config)
        button = reply.get("button_id")
        if button not in (POSITIVE, NEGATIVE):
            raise InvalidReply("Answer a form with its positive or negative button")
        form_result, display = None, form[f"{button}_caption"]
        if button == POSITIVE:
            form_result, display = widgets.form_value(
                form["widget"], reply.get("value"), files=reply.get("files"), now=ctx.now
            )
            save_to = config.get("save_to")
            if save_to and save_to["kind"] == "variable":
                ctx.variables[save_to["name"]] = form_result["value"]
            elif save_to and save_to["kind"] == "attribute":
                refused = ctx.assets.save_answer(save_to["key"], form_result, display)
                if refused:
                    # The person's data does not take it: the answer is refused, nothing changes.
                    raise InvalidReply(refused)
                if save_to["key"] in ctx.person:
                    # Messages later in this advance greet the person with what they just entered.
                    ctx.person[save_to["key"]] = form_result["value"]
        result = {
            "step_id": node.id,
            "step_type": "form_step",
            "message": message,
            "answer_id": button,
            "button": form[f"{button}_caption"],
            "form_result": form_result,
            "display_value": display,
            "received_at": ctx.entered_at,
            "acknowledged_at": ctx.now.isoformat(),
        }
        return Step.follow(button, result=result)
