"""The simulator API: one simulated action on a flow's draft as a real person (engine/simulator.py).

Stateless: the answer carries the simulation, which the client sends back with the next action.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine import simulator
from flowdesigner.models import Flow
from flowdesigner.openapi import bad_request
from flowdesigner.roles import IsMarketer
from people.models import Person

MAX_CALL_BODY = 100_000


class SimulateRequestSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, help_text="The person the flow runs as (read-only).")
    action = serializers.ChoiceField(
        choices=simulator.ACTIONS,
        help_text="start; answer (the waiting message); skip_wait (time travel to the wait's end); "
        "call_result (continue a Call URL left waiting)",
    )
    simulation = serializers.JSONField(
        required=False, help_text="What the previous action returned (required unless action is start)."
    )
    entry_id = serializers.CharField(
        required=False, max_length=64, help_text="start: the entry point (default: the first one)."
    )
    answer = serializers.JSONField(
        required=False,
        help_text='answer: as the inbox sends it, {"button_id"}, {"dismiss": true} or {"form": {"button", '
        '"value"}}; {"text"} for an Evaluate reply step.',
    )
    call_outcome = serializers.ChoiceField(
        choices=["success", "failure"],
        default="success",
        help_text="How simulated Call URL requests answer (nothing is ever sent).",
    )
    call_body = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_CALL_BODY,
        trim_whitespace=False,
        help_text="The response body a successful simulated call returns (JSON for saved values).",
    )

    def validate(self, attrs):
        if attrs["action"] != "start" and "simulation" not in attrs:
            raise serializers.ValidationError({"simulation": "Send the simulation the last action returned."})
        if attrs["action"] == "answer" and not isinstance(attrs.get("answer"), dict):
            raise serializers.ValidationError({"answer": "Send the answer as an object."})
        return attrs


class SimulationItemSerializer(serializers.Serializer):
    """One thing that happened. `kind` says which, and which other keys it has: message (`message`, in
    the inbox's shape plus `branding_key` and `channel`), answer (`answered_button_id`,
    `answered_caption`, `display_value`, `dismissed`, `form_result`), wait (`wait_kind`, `until`, `event`),
    time_travel (`from`), request (`purpose`: call_url | results_flush | results_end, `request`:
    {method, url, headers, body}, `outcome` for a call), email (`to`, `subject`, `body`), person_update
    (`change`: attributes with `values` | tags with `add`, `remove`: shown, never applied), handover
    (`flow_id`, `flow_name`, `entry_id`, `variables`), completed (`exit_name`), failed (`reason`), note
    (`text`)."""

    kind = serializers.CharField()
    node_id = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()


class SimulateResultSerializer(serializers.Serializer):
    simulation = serializers.JSONField(
        help_text="Send it back with the next action: {state, now, started_at, run_id, seq}."
    )
    items = SimulationItemSerializer(many=True)


class FlowSimulateApi(APIView):
    """Run one step of the flow's draft as a chosen person: nothing is sent to anyone and nothing is
    stored. 400 with `issues` when the draft would not publish; 400 for a simulation or an answer the
    step does not take."""

    permission_classes = [IsMarketer]

    @extend_schema(
        request=SimulateRequestSerializer,
        responses={
            200: SimulateResultSerializer,
            400: bad_request(
                "The draft has issues (`issues`), the person does not exist, or the simulation or answer "
                "is not one the flow can take"
            ),
        },
    )
    def post(self, request, pk: int):
        flow = get_object_or_404(Flow, pk=pk)
        serializer = SimulateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = Person.objects.filter(pk=data["person"]).first()
        if person is None:
            return Response({"person": ["There is no such person."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            result = simulator.flow_simulate(
                flow=flow,
                person=person,
                action=data["action"],
                simulation=data.get("simulation"),
                entry_id=data.get("entry_id"),
                answer=data.get("answer"),
                call_outcome=data["call_outcome"],
                call_body=data["call_body"],
            )
        except simulator.SimulationRefused as exc:
            body: dict = {"detail": exc.detail}
            if exc.issues:
                body["issues"] = [i.as_dict() for i in exc.issues]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"simulation": result.simulation, "items": result.items})
