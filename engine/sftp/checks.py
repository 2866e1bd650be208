"""Publish-time checks of SFTP Import entry points that need the database: the connection exists, and the
mapped attributes exist and can be imported. For engine/checks.py's `definition_issues` to add."""

from __future__ import annotations

from typing import Any

from engine.core.issues import Issue
from engine.sftp.models import SftpConnection
from engine.sftp.rows import STANDARD_FIELDS
from people.models import AttributeDefinition


def sftp_import_issues(doc: Any) -> list[Issue]:
    """Issues of every sftp_import node of a flow document (never raises on a malformed one)."""
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    sftp_nodes = [
        n
        for n in (nodes if isinstance(nodes, list) else [])
        if isinstance(n, dict) and n.get("type") == "sftp_import" and isinstance(n.get("config"), dict)
    ]
    if not sftp_nodes:
        return []
    connections = set(SftpConnection.objects.values_list("pk", flat=True))
    keys = {
        m.get("attribute")
        for n in sftp_nodes
        for m in n["config"].get("attributes") or []
        if isinstance(m, dict) and m.get("attribute")
    }
    custom = set(AttributeDefinition.objects.filter(key__in=keys).values_list("key", flat=True))
    issues = []
    for node in sftp_nodes:
        config, node_id = node["config"], node.get("id")
        connection = config.get("connection")
        if connection and connection not in connections:
            message = "This SFTP connection no longer exists: choose another one"
            issues.append(Issue("unknown_connection", message, node_id, "config.connection"))
        for i, mapped in enumerate(config.get("attributes") or []):
            key = mapped.get("attribute") if isinstance(mapped, dict) else None
            where = f"config.attributes[{i}].attribute"
            if not key:
                continue
            if key in ("phone", "email"):
                message = f"Map {key} under contact information, not as an attribute"
                issues.append(Issue("contact_as_attribute", message, node_id, where))
            elif key not in STANDARD_FIELDS and key not in custom:
                message = f'There is no attribute "{key}" that a file can set: create it in People first'
                issues.append(Issue("unknown_attribute", message, node_id, where))
    return issues
