"""The one shape every validation problem takes, from schema errors to element rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """A problem found in a flow document, shown on the canvas beside the element it concerns.

    `field` is a path relative to the node ("config.text", "config.buttons[1].caption", "exits.yes"),
    or, for document-level schema errors (node_id None), a path from the document root ("nodes[0].id").
    """

    code: str
    message: str
    node_id: str | None = None
    field: str | None = None

    def as_dict(self) -> dict:
        """The JSON form served to the canvas and stored with validation results."""
        return {"code": self.code, "message": self.message, "node_id": self.node_id, "field": self.field}
