"""Event definitions (CRUD), event ingestion (POST /api/events/) and a person's timeline."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flowdesigner.openapi import bad_request
from flowdesigner.params import whole_number
from flowdesigner.roles import IsMarketerOrStaff, IsStaff
from people import changes, events, selectors
from people.api.segments import DESTROY_IN_USE, Conflict, MarketersWriteStaffRead
from people.models import AttributeDefinition, EventDefinition, Person
from people.timeline import MAX_LIMIT

# --- definitions ------------------------------------------------------------------------------


class EventPropertySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=64, help_text="Letters, digits and _, starting with a letter")
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    data_type = serializers.ChoiceField(choices=AttributeDefinition.DataType.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A PATCH validates nested items partially too (DRF's `partial` reaches every field, skipping
        # `required` and `default`), but a property is always whole: PATCH replaces the list.
        missing = [name for name in ("key", "data_type") if name not in attrs]
        if missing:
            raise serializers.ValidationError({name: ["This field is required."] for name in missing})
        return {"label": "", **attrs}


class EventDefinitionSerializer(serializers.ModelSerializer):
    properties = EventPropertySerializer(many=True, required=False)

    class Meta:
        model = EventDefinition
        fields = ["id", "key", "label", "description", "properties", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_key(self, value: str) -> str:
        if self.instance is not None and value != self.instance.key:
            raise serializers.ValidationError("Cannot be changed once created (segments refer to it).")
        return value

    def validate_properties(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        before = self.instance.properties if self.instance is not None else None
        errors = events.properties_errors(value, before=before)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def create(self, validated_data: dict[str, Any]) -> EventDefinition:
        return events.event_definition_create(**validated_data)

    def update(self, instance: EventDefinition, validated_data: dict[str, Any]) -> EventDefinition:
        validated_data.pop("key", None)
        return events.event_definition_update(definition=instance, **validated_data)


@extend_schema_view(destroy=DESTROY_IN_USE)
class EventDefinitionViewSet(viewsets.ModelViewSet):
    """Event definitions: marketers manage them, staff (and integrators) read them."""

    serializer_class = EventDefinitionSerializer
    permission_classes = [MarketersWriteStaffRead]
    queryset = EventDefinition.objects.order_by("key")

    def perform_destroy(self, instance: EventDefinition) -> None:
        try:
            events.event_definition_delete(definition=instance)
        except events.InUse as exc:
            raise Conflict(str(exc)) from exc


# --- ingestion ----------------------------------------------------------------------------------


class EventInSerializer(serializers.Serializer):
    """One event as sent (documentation only: each event is validated on its own by the service)."""

    idempotency_key = serializers.CharField(max_length=events.MAX_KEY)
    event = serializers.CharField(help_text="The key of an event definition")
    person = serializers.DictField(help_text='Exactly one of {"id"|"external_id"|"email"|"phone": value}')
    occurred_at = serializers.DateTimeField(
        required=False, help_text="ISO 8601 with an offset; default: when received"
    )
    properties = serializers.DictField(required=False, help_text="Values typed by the event's definition")


class EventBatchSerializer(serializers.Serializer):
    events = EventInSerializer(many=True, help_text=f"1 to {events.MAX_BATCH} events")


IngestReportSerializer = inline_serializer(
    "EventIngestReport",
    {
        "accepted": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(),
        "rejected": serializers.ListField(
            child=inline_serializer(
                "EventRejection",
                {
                    "index": serializers.IntegerField(),
                    "idempotency_key": serializers.CharField(allow_null=True),
                    "errors": serializers.DictField(),
                },
            )
        ),
    },
)


class EventIngestApi(APIView):
    """Ingest a batch of events for integrators (token) and staff."""

    permission_classes = [IsStaff]

    @extend_schema(
        request=EventBatchSerializer,
        responses={
            200: IngestReportSerializer,
            207: IngestReportSerializer,
            400: bad_request('Not a batch: {"events": ["why"]}; nothing stored'),
        },
        description=(
            f"Store 1..{events.MAX_BATCH} events, each with an idempotency key (a retried request "
            "stores nothing twice). Valid events are stored even when others fail: 200 when none "
            "was rejected, 207 with the reasons per event otherwise. A body that is not a batch, or "
            f"has more than {events.MAX_BATCH} events, is 400 and nothing is stored. The body may "
            'also be the bare list of events instead of {"events": [...]}.'
        ),
    )
    def post(self, request: Request) -> Response:
        data = request.data
        items = data.get("events") if isinstance(data, dict) else data
        if isinstance(data, dict) and set(data) != {"events"}:
            return Response(
                {"events": ['Send {"events": [...]} (or the bare list of events).']},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            with changes.source("api"):
                report = events.events_ingest(items=items)
        except events.BatchInvalid as exc:
            return Response({"events": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_207_MULTI_STATUS if report.rejected else status.HTTP_200_OK
        return Response(report.as_dict(), status=code)


# --- timeline -----------------------------------------------------------------------------------


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(
        help_text="attribute_changed, tag_added, tag_removed, company_changed, event, flow_entered, "
        "flow_exited, message_out, message_in"
    )
    summary = serializers.CharField()
    data = serializers.JSONField()


class PersonTimelineApi(APIView):
    """A person's timeline, newest first."""

    permission_classes = [IsMarketerOrStaff]

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description="1..200, default 50")],
        responses={
            200: inline_serializer("PersonTimeline", {"results": TimelineEntrySerializer(many=True)}),
            400: bad_request("`limit` is not a whole number from 1 to 200"),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        person = get_object_or_404(Person, pk=pk)
        limit = whole_number(request.query_params.get("limit", "50"), low=1, high=MAX_LIMIT)
        if limit is None:
            return Response(
                {"limit": [f"Must be a whole number from 1 to {MAX_LIMIT}."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        entries = selectors.person_timeline(person, limit=limit)
        return Response({"results": TimelineEntrySerializer(entries, many=True).data})
