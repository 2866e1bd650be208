"""Existing Flow: participants handed over by another active flow's "Add to flow" step, with their
variables (see add_to_flow.py)."""

from __future__ import annotations

from engine.core.elements import register
from engine.core.elements.entry import EntryPoint


@register
class ExistingFlow(EntryPoint):
    type = "existing_flow"
    label = "Existing Flow"
