"""Flow API: integrators add participants with POST /moments/1/flows/{flowId}/participants (Infobip's
"Add participants to flow", engine/flow_api/); persons are created or updated by their identifiers and
enter here with the variables the request carries."""

from __future__ import annotations

from engine.core.elements import register
from engine.core.elements.entry import EntryPoint


@register
class FlowApi(EntryPoint):
    type = "flow_api"
    label = "Flow API"
