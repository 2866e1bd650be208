"""Flow definitions as the engine runs them: loaded and checked once per published version.

A FlowVersion never changes once published, so its loaded definition is cached per process by the
version's id: an answer no longer migrates and schema-checks the whole document (which cost about
375 ms on a 2,000-element flow).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from engine.core import definition
from engine.core.definition import FlowDefinition

CACHE_SIZE = 256
_cache: OrderedDict[tuple, FlowDefinition] = OrderedDict()
_lock = threading.Lock()


class LaunchRefused(ValueError):
    """A launch or start that cannot be carried out (no published version, empty audience...)."""


def version_definition(version) -> FlowDefinition:
    """The loaded definition of a published FlowVersion (cached by id and publication time, so a
    reused id after a rolled-back transaction or a restored database never serves another flow)."""
    if version.pk is None:
        return definition.load(version.definition)
    key = (version.pk, version.published_at)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    loaded = definition.load(version.definition)
    with _lock:
        _cache[key] = loaded
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def entry_node_id(defn: FlowDefinition) -> str:
    """The Predefined Audience entry a launch enters people through."""
    for node in defn.entries():
        if node.type == "predefined_audience":
            return node.id
    raise LaunchRefused("This flow has no Predefined Audience entry point to launch through.")


def default_entry_id(defn: FlowDefinition) -> str:
    """Where a poke or a service's "start flow" enters: the Predefined Audience, else the first entry."""
    entries = defn.entries()
    for node in entries:
        if node.type == "predefined_audience":
            return node.id
    if not entries:
        raise LaunchRefused("This flow has no entry point to start from.")
    return entries[0].id
