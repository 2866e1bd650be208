"""Publish checks of the channel elements that need the database: the channel accounts an Inbound
Message, an Inbound Call or an SMS/email message step relies on, and the person attributes an "is equal
to person attribute" condition names."""

from __future__ import annotations

from engine.core.inbound import normalise_recipient
from engine.core.issues import Issue
from messaging.models import Channel
from people.attributes import STANDARD_ATTRIBUTES
from people.models import AttributeDefinition

KIND_LABELS = {"sms": "SMS", "email": "email", "voice": "voice"}
TEXT_STEPS = ("message", "form_message")


def _identities(kind: str) -> set[str] | None:
    """Our numbers/addresses on active accounts of that kind, normalised; None when there is no such
    account at all."""
    accounts = list(Channel.objects.filter(kind=kind, active=True).values_list("identities", flat=True))
    if not accounts:
        return None
    return {normalise_recipient(str(identity)) for identities in accounts for identity in identities or []}


def channel_issues(nodes: list[dict]) -> list[Issue]:
    """Issues of the nodes that receive or send outside the web inbox."""
    issues: list[Issue] = []
    cache: dict[str, set[str] | None] = {}

    def identities(kind: str) -> set[str] | None:
        if kind not in cache:
            cache[kind] = _identities(kind)
        return cache[kind]

    attribute_keys: set[str] | None = None
    for node in nodes:
        config, node_id, node_type = node["config"], node.get("id"), node.get("type")
        kind = None
        if node_type == "inbound_message":
            kind = config.get("channel", "sms")
        elif node_type == "inbound_call":
            kind = "voice"
        elif node_type in TEXT_STEPS and config.get("channel") in ("sms", "email"):
            kind = config["channel"]
        if kind in KIND_LABELS:
            known = identities(kind)
            label = KIND_LABELS[kind]
            recipient = config.get("recipient", "") if node_type != "message" else ""
            if known is None:
                issues.append(
                    Issue(
                        "no_channel",
                        f"There is no active {label} channel: add one on the Channels page",
                        node_id,
                        "config.channel" if node_type != "inbound_call" else "config.recipient",
                    )
                )
            elif recipient and normalise_recipient(str(recipient)) not in known:
                issues.append(
                    Issue(
                        "unknown_recipient",
                        f'"{recipient}" is not one of the numbers or addresses of an active {label} channel',
                        node_id,
                        "config.recipient",
                    )
                )
        if node_type in ("inbound_message", "evaluate_reply"):
            groups = (
                [("config.conditions", config.get("conditions") or [])]
                if node_type == "inbound_message"
                else [
                    (f"config.branches[{i}].conditions", branch.get("conditions") or [])
                    for i, branch in enumerate(config.get("branches") or [])
                    if isinstance(branch, dict)
                ]
            )
            for where, conditions in groups:
                for i, condition in enumerate(conditions):
                    if not isinstance(condition, dict) or condition.get("operator") != "equals_attribute":
                        continue
                    key = str(condition.get("attribute") or "")
                    if attribute_keys is None:
                        attribute_keys = set(STANDARD_ATTRIBUTES) | set(
                            AttributeDefinition.objects.values_list("key", flat=True)
                        )
                    if key and key not in attribute_keys:
                        issues.append(
                            Issue(
                                "unknown_attribute",
                                f'There is no person attribute "{key}"',
                                node_id,
                                f"{where}[{i}].attribute",
                            )
                        )
    return issues
