"""Pairing the definitions of a multi-language set by structure, and the translations they give.

Every language of a Rogerthat set has its own ids (base64 of a JSON object naming the language), so the
languages cannot be matched by id. They are matched by structure: the n-th element of a language is the
n-th of the base language (document order, which the XSD groups by kind), it must be of the same kind, and
it must be wired the same way (the n-th answer of a message leads to the twin of where the base's n-th
answer leads; the same for dismiss, the form buttons and the next references).
"""

from dataclasses import dataclass, field

from flowdesigner.rogerthat.ids import shown
from flowdesigner.rogerthat.nodes import Problems

KIND_NAMES = {
    "exit": "end",
    "message": "message",
    "form_message": "formMessage",
    "send_results": "resultsFlush",
    "email_results": "resultsEmail",
}
FORM_TEXTS = (
    "text",
    "positive_caption",
    "negative_caption",
    "positive_confirmation",
    "negative_confirmation",
)


@dataclass
class Pairing:
    """One language against the base: node twins and, per base message, answer twins (original ids)."""

    nodes: dict[str, str] = field(default_factory=dict)  # base id -> this language's id
    answers: dict[str, dict[str, str]] = field(default_factory=dict)  # base node -> base answer -> answer


def _name(node: dict) -> str:
    return f'<{KIND_NAMES[node["type"]]} id="{shown(node["id"])}">'


def pair(base: list[dict], other: list[dict], language: str, problems: Problems) -> Pairing | None:
    """Pair `other` (one language's nodes) with the base language's nodes; None (with errors) when the
    elements or their wiring differ."""
    at = f"[{language}]"
    if len(other) != len(base):
        problems.errors.append(
            f"{at} has {len(other)} elements where the base language has {len(base)}: every language needs "
            "the same elements, wired the same way"
        )
        return None
    pairing = Pairing()
    twin_of: dict[str, str] = {}  # this language's id -> base id
    for b, o in zip(base, other, strict=True):
        if b["type"] != o["type"]:
            problems.errors.append(
                f"{at} {_name(o)} is a {KIND_NAMES[o['type']]} where the base language has {_name(b)}"
            )
            return None
        pairing.nodes[b["id"]] = o["id"]
        twin_of[o["id"]] = b["id"]
    before = len(problems.errors)
    for b, o in zip(base, other, strict=True):
        b_exits, o_exits = list(b["exits"].items()), list(o["exits"].items())
        same = len(b_exits) == len(o_exits) and all(
            (bn == on or b["type"] == "message") and twin_of.get(ot) == bt
            for (bn, bt), (on, ot) in zip(b_exits, o_exits, strict=True)
        )
        if b["type"] == "message":
            # Answers pair in order; "dismiss" must be the dismiss in both.
            same = same and ("dismiss" in b["exits"]) == ("dismiss" in o["exits"])
            b_buttons, o_buttons = b["config"]["buttons"], o["config"]["buttons"]
            pairing.answers[b["id"]] = {
                bb["id"]: ob["id"] for bb, ob in zip(b_buttons, o_buttons, strict=False)
            }
        if not same:
            problems.errors.append(
                f"{at} {_name(o)} is wired differently from the base language's {_name(b)}"
            )
    return None if len(problems.errors) > before else pairing


def translation(
    base: list[dict], other: list[dict], pairing: Pairing, language: str, problems: Problems
) -> dict:
    """Texts and captions of one more language by base node id (buttons by base answer id)."""
    by_id = {n["id"]: n for n in other}
    texts: dict[str, dict] = {}
    for node in base:
        twin = by_id[pairing.nodes[node["id"]]]
        if node["type"] == "message":
            answers = pairing.answers[node["id"]]
            captions = {b["id"]: b["caption"] for b in twin["config"]["buttons"]}
            texts[node["id"]] = {
                "text": twin["config"]["text"],
                "buttons": {base_id: captions[twin_id] for base_id, twin_id in answers.items()},
            }
        elif node["type"] == "form_message":
            translated = _form_translation(node["config"], twin["config"])
            if translated is None:
                problems.errors.append(
                    f"[{language}] {_name(twin)} has another widget than the base language's {_name(node)}"
                )
                continue
            texts[node["id"]] = translated
    return texts


def _form_translation(base: dict, twin: dict) -> dict | None:
    """The texts of a form message in another language (see form_message.localised): text, captions,
    confirmations, placeholder and choice labels. None when the widget is not the same kind with the same
    choice values."""
    widget, other = base["widget"], twin["widget"]
    values = [c["value"] for c in widget.get("choices", [])]
    if other["type"] != widget["type"] or [c["value"] for c in other.get("choices", [])] != values:
        return None
    texts = {key: twin[key] for key in FORM_TEXTS}
    if "placeholder" in other:
        texts["placeholder"] = other["placeholder"]
    if "choices" in other:
        texts["choices"] = {c["value"]: c["label"] for c in other["choices"]}
    return texts
