"""The results document a flow's service receives (Rogerthat's callback shape as the model)."""

from django.utils import timezone

from engine.models import Participant


def results_payload(participant: Participant, *, end_id: str, exit_name: str) -> dict:
    """Everything a participant answered, for the signed callback at an Exit."""
    person = participant.person
    version = participant.version
    state = participant.state
    return {
        "type": "flow.completed",
        "run_id": str(participant.uuid),
        "flow": {"id": version.flow_id, "name": version.flow.name, "version": version.number},
        "person": {
            "id": person.pk,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "phone": person.phone,
            "language": person.language,
        },
        "launch_tag": participant.launch.launch_tag if participant.launch_id else "",
        "end_id": end_id,
        "exit_name": exit_name,
        "started_at": (participant.created_at or timezone.now()).isoformat(),
        "completed_at": (participant.completed_at or timezone.now()).isoformat(),
        "variables": state.get("variables", {}),
        "steps": state.get("steps", []),
    }
