"""SFTP Import: rows of CSV/TSV files fetched from a folder of an SFTP server every few minutes
(engine/sftp/), each file once, each valid row a participant:

    {"connection": 3, "path": "/outbox", "pattern": "J???Data.csv", "delimiter": ";",
     "contact": {"phone": "Mobile", "email": ""},
     "attributes": [{"column": "City", "attribute": "city"}],
     "variables": [{"column": "Order", "variable": "order"}]}

`delimiter` is ",", ";", "|", "tab" or any one other character.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core import variables as flow_variables
from engine.core.elements import register
from engine.core.elements.entry import EntryPoint
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

# Largest pattern, path or column name an SFTP import accepts.
MAX_NAME = 255
_COLUMN_MAP = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["column"],
        "properties": {
            "column": {"type": "string", "maxLength": MAX_NAME},
            "attribute": {"type": "string"},
            "variable": {"type": "string"},
        },
        "additionalProperties": False,
    },
}


@register
class SftpImport(EntryPoint):
    type = "sftp_import"
    label = "SFTP Import"
    config_schema = {
        "type": "object",
        "properties": {
            "connection": {"type": ["integer", "null"]},
            "path": {"type": "string", "maxLength": MAX_NAME},
            "pattern": {"type": "string", "maxLength": MAX_NAME},
            "delimiter": {"type": "string", "minLength": 1, "maxLength": 3},
            "contact": {
                "type": "object",
                "properties": {
                    "phone": {"type": "string", "maxLength": MAX_NAME},
                    "email": {"type": "string", "maxLength": MAX_NAME},
                },
                "additionalProperties": False,
            },
            "attributes": _COLUMN_MAP,
            "variables": _COLUMN_MAP,
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {
            "connection": None,
            "path": "/",
            "pattern": "*.csv",
            "delimiter": ",",
            "contact": {"phone": "", "email": ""},
            "attributes": [],
            "variables": [],
        }

    def validate(self, node: Node) -> list[Issue]:
        config = node.config
        issues = []
        if not config.get("connection"):
            issues.append(Issue("required", "Choose the SFTP server", node.id, "config.connection"))
        if not (config.get("path") or "").strip():
            issues.append(Issue("required", "Set the folder to fetch files from", node.id, "config.path"))
        delimiter = config.get("delimiter", ",")
        if delimiter != "tab" and len(delimiter) != 1:
            message = 'The delimiter is one character (or "tab")'
            issues.append(Issue("invalid_delimiter", message, node.id, "config.delimiter"))
        contact = config.get("contact") or {}
        if not (contact.get("phone") or "").strip() and not (contact.get("email") or "").strip():
            message = "Map at least one contact column: a phone number or an email address"
            issues.append(Issue("required", message, node.id, "config.contact"))
        for field, key in (("attributes", "attribute"), ("variables", "variable")):
            for i, mapped in enumerate(config.get(field) or []):
                if not mapped["column"].strip():
                    issues.append(
                        Issue("required", "Name the column", node.id, f"config.{field}[{i}].column")
                    )
                if not (mapped.get(key) or "").strip():
                    message = f"Choose the {key} this column goes into"
                    issues.append(Issue("required", message, node.id, f"config.{field}[{i}].{key}"))
                elif key == "variable" and not flow_variables.NAME.fullmatch(mapped[key]):
                    issues.append(
                        Issue("invalid_name", flow_variables.NAME_RULE, node.id, f"config.{field}[{i}].{key}")
                    )
        return issues


def delimiter_char(config: dict) -> str:
    """The one character that splits the values of a row."""
    delimiter = config.get("delimiter", ",")
    return "\t" if delimiter == "tab" else delimiter
