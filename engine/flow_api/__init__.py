"""Flow API: Infobip's "Add participants to flow", API keys for integrators, operation reports."""
