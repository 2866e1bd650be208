"""Reads: which flows use a connection, an entry point's config in the version people enter now, the
files of a flow's report."""

from __future__ import annotations

from django.db.models import QuerySet

from engine import entries
from engine.definitions import version_definition
from engine.sftp.models import SftpConnection, SftpFile, SftpWatch
from flowdesigner.models import Flow, FlowVersion

TYPE = "sftp_import"


def sftp_node_config(version: FlowVersion, node_id: str) -> dict | None:
    """The config of the SFTP Import entry point `node_id` of `version`; None when it has none by that id."""
    node = version_definition(version).nodes.get(node_id)
    return node.config if node is not None and node.type == TYPE else None


def sftp_nodes(version: FlowVersion) -> dict[str, dict]:
    """Every SFTP Import entry point of `version`: node id -> config."""
    return {n.id: n.config for n in version_definition(version).nodes.values() if n.type == TYPE}


def active_entry(flow: Flow | None, node_id: str) -> tuple[FlowVersion, dict] | None:
    """The version people enter `flow` through now and that entry point's config; None when the flow is
    gone or not active, or its active version has no SFTP Import entry point `node_id`."""
    if flow is None:
        return None
    version = entries.active_version(flow)
    if version is None:
        return None
    config = sftp_node_config(version, node_id)
    return (version, config) if config is not None else None


def flows_using(connection: SftpConnection) -> list[Flow]:
    """Active flows whose active version fetches files through `connection` (it may not change meanwhile)."""
    using = []
    for flow in Flow.objects.filter(status=Flow.Status.ACTIVE).order_by("name", "id"):
        version = entries.active_version(flow)
        if version is not None and any(
            config.get("connection") == connection.pk for config in sftp_nodes(version).values()
        ):
            using.append(flow)
    return using


def flow_files(flow: Flow) -> QuerySet[SftpFile]:
    """The files of a flow's SFTP Import entry points, newest first, with their connection."""
    return SftpFile.objects.filter(flow=flow).select_related("connection").order_by("-created_at", "-id")


def flow_watches(flow: Flow) -> QuerySet[SftpWatch]:
    return SftpWatch.objects.filter(flow=flow).order_by("node_id")
