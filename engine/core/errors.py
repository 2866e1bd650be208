"""Reply errors: why a reply to a waiting node is refused. Imports nothing, so any core module (elements,
widgets, runtime) can raise them without an import cycle."""

from __future__ import annotations


class ReplyError(ValueError):
    """A reply the participant cannot accept; `code` tells the caller which refusal to show."""

    code: str = "reply"


class StaleReply(ReplyError):
    """The participant is not waiting at that node (moved on, finished, or never got there)."""

    code = "stale"


class InvalidReply(ReplyError):
    """The reply names something the waiting node does not offer (e.g. an unknown button)."""

    code = "invalid"
