"""Custom attribute definitions and segments (CRUD, count, preview, the operator table)."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from flowdesigner.openapi import bad_request, error
from flowdesigner.roles import MARKETER, STAFF, IsMarketerOrStaff, has_role
from people import selectors, services
from people.attributes import STANDARD_ATTRIBUTES
from people.conditions import SUBJECTS, RulesInvalid, operators_for, validate_rules
from people.models import AttributeDefinition, EventDefinition, Segment

PREVIEW_SAMPLE = 20


class MarketersWriteStaffRead(BasePermission):
    """Marketers manage definitions and segments; staff read them (to launch to a segment)."""

    message = "This needs the role marketer (staff may only read)."

    def has_permission(self, request, view) -> bool:  # type: ignore[override]
        if request.method in SAFE_METHODS:
            return has_role(request.user, MARKETER, STAFF)
        return has_role(request.user, MARKETER)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Still in use."
    default_code = "conflict"


# DELETE of a record others refer to: 204, or 409 naming what still uses it (nothing is deleted).
DESTROY_IN_USE = extend_schema(
    responses={204: None, 409: error(409, "Still in use (the answer names by what); nothing deleted")}
)


# --- attribute definitions --------------------------------------------------------------------


class AttributeDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttributeDefinition
        fields = ["id", "key", "label", "data_type", "number_kind", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            # Segments refer to the key, and stored values live in the column of the type.
            for name in ("key", "data_type", "number_kind"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError({name: "Cannot be changed once created."})
            return attrs
        number_kind = attrs.get("number_kind", "")
        if attrs.get("data_type") == AttributeDefinition.DataType.NUMBER and not number_kind:
            number_kind = attrs["number_kind"] = AttributeDefinition.NumberKind.DECIMAL
        errors = services.attribute_definition_check(
            key=attrs.get("key", ""), data_type=attrs.get("data_type", ""), number_kind=number_kind
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> AttributeDefinition:
        return services.attribute_definition_create(**validated_data)


@extend_schema_view(destroy=DESTROY_IN_USE)
class AttributeDefinitionViewSet(viewsets.ModelViewSet):
    serializer_class = AttributeDefinitionSerializer
    permission_classes = [MarketersWriteStaffRead]
    queryset = AttributeDefinition.objects.order_by("key")

    def perform_destroy(self, instance: AttributeDefinition) -> None:
        try:
            services.attribute_definition_delete(definition=instance)
        except services.InUse as exc:
            raise Conflict(str(exc)) from exc


# --- segments ---------------------------------------------------------------------------------


RULES_HELP = (
    'A rule document: {"op": "and"|"or", "rules": [condition or group, ...]}; a condition is '
    '{"attribute": key, "operator": name, "value": ...}, {"tag": id, "operator": "has"|"has_not"}, '
    '{"company": id, "operator": "in"|"not_in"} or {"segment": id, "operator": "in"|"not_in"}. '
    "See docs/segments.md and GET /api/segments/operators/."
)


def _rules_errors(rules: Any, segment_id: int | None) -> None:
    errors = validate_rules(rules, segment_id=segment_id)
    if errors:
        raise serializers.ValidationError([e.as_dict() for e in errors])


class SegmentSerializer(serializers.ModelSerializer):
    rules = serializers.JSONField(help_text=RULES_HELP)
    # null once the user who made it is deleted (and for segments made without one, e.g. in the shell).
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Segment
        fields = ["id", "name", "rules", "created_by", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_rules(self, value: Any) -> Any:
        _rules_errors(value, getattr(self.instance, "pk", None))
        return value

    def create(self, validated_data: dict[str, Any]) -> Segment:
        return services.segment_create(**validated_data)

    def update(self, instance: Segment, validated_data: dict[str, Any]) -> Segment:
        return services.segment_update(segment=instance, **validated_data)

    def save(self, **kwargs: Any) -> Segment:
        try:
            return super().save(**kwargs)
        except RulesInvalid as exc:  # a cycle created by a concurrent edit, seen under the lock
            raise serializers.ValidationError({"rules": [e.as_dict() for e in exc.errors]}) from exc


class PreviewRequestSerializer(serializers.Serializer):
    rules = serializers.JSONField(help_text=RULES_HELP)

    def validate_rules(self, value: Any) -> Any:
        _rules_errors(value, None)
        return value


class PersonSampleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


class OperatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(help_text="What the condition's value is: none, one, two, a list, …")


class OperatorAttributeSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    data_type = serializers.CharField()
    number_kind = serializers.CharField(allow_blank=True)
    standard = serializers.BooleanField()


class OperatorEventSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    properties = serializers.JSONField(help_text='[{"key", "label", "data_type"}]')


class SegmentOperatorsSerializer(serializers.Serializer):
    """The operator table (documentation of operator_table())."""

    data_types = serializers.DictField(child=OperatorSerializer(many=True), help_text="By data type")
    subjects = serializers.DictField(child=OperatorSerializer(many=True), help_text="tag, company, segment…")
    attributes = OperatorAttributeSerializer(many=True)
    events = OperatorEventSerializer(many=True)


def _operator_rows(subject: str) -> list[dict[str, str]]:
    return [{"name": op.name, "label": op.label, "value": op.value} for op in operators_for(subject)]


def operator_table() -> dict[str, Any]:
    """The registry as the rule builder needs it: operators per data type and subject, and the
    attributes one can pick (standard first, then custom)."""
    attributes = [
        {"key": a.key, "label": a.label, "data_type": a.data_type, "number_kind": "", "standard": True}
        for a in STANDARD_ATTRIBUTES.values()
    ] + [
        {
            "key": d.key,
            "label": d.label,
            "data_type": d.data_type,
            "number_kind": d.number_kind,
            "standard": False,
        }
        for d in AttributeDefinition.objects.order_by("key")
    ]
    return {
        "data_types": {t: _operator_rows(t) for t in AttributeDefinition.DataType.values},
        "subjects": {s: _operator_rows(s) for s in SUBJECTS if s not in AttributeDefinition.DataType.values},
        "attributes": attributes,
        # Event conditions: the events to choose and their typed properties.
        "events": [
            {"key": d.key, "label": d.label, "properties": d.properties}
            for d in EventDefinition.objects.order_by("key")
        ],
    }


def _count(rules: Any, segment_id: int | None) -> int:
    try:
        return selectors.rules_persons(rules, segment_id=segment_id).count()
    except RulesInvalid as exc:
        # A stored segment broken by later changes (e.g. a cycle through edited segments).
        raise serializers.ValidationError({"rules": [e.as_dict() for e in exc.errors]}) from exc


@extend_schema_view(destroy=DESTROY_IN_USE)
class SegmentViewSet(viewsets.ModelViewSet):
    serializer_class = SegmentSerializer
    permission_classes = [MarketersWriteStaffRead]
    queryset = Segment.objects.select_related("created_by").order_by("name")

    def get_permissions(self):
        if self.action == "preview":  # reads only, though it is a POST
            return [IsMarketerOrStaff()]
        return super().get_permissions()

    def perform_create(self, serializer: SegmentSerializer) -> None:
        serializer.save(created_by=self.request.user)

    def perform_destroy(self, instance: Segment) -> None:
        try:
            services.segment_delete(segment=instance)
        except services.InUse as exc:
            raise Conflict(str(exc)) from exc

    @extend_schema(
        responses={
            200: inline_serializer("SegmentCount", {"count": serializers.IntegerField()}),
            400: bad_request("The stored rules no longer hold (e.g. a cycle through edited segments)"),
        }
    )
    @action(detail=True, methods=["get"])
    def count(self, request: Request, pk: str | None = None) -> Response:
        segment = self.get_object()
        return Response({"count": _count(segment.rules, segment.pk)})

    @extend_schema(
        request=PreviewRequestSerializer,
        responses=inline_serializer(
            "SegmentPreview",
            {"count": serializers.IntegerField(), "sample": PersonSampleSerializer(many=True)},
        ),
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """Count and the first persons of unsaved rules, for the rule builder's live preview."""
        body = PreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rules = body.validated_data["rules"]
        with transaction.atomic():  # one snapshot for the count and the sample (PostgreSQL)
            persons = selectors.rules_persons(rules, now=timezone.now())
            count = persons.count()
            sample = list(persons.values("id", "first_name", "last_name", "email", "phone")[:PREVIEW_SAMPLE])
        return Response({"count": count, "sample": PersonSampleSerializer(sample, many=True).data})

    @extend_schema(responses=SegmentOperatorsSerializer)
    @action(detail=False, methods=["get"])
    def operators(self, request: Request) -> Response:
        """Operators per data type (the seed's table) and per subject, plus the attributes to choose."""
        return Response(operator_table())
