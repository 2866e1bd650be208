"""Persons (standard fields plus a nested "attributes" object), tags and companies."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch
from django.http import StreamingHttpResponse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiTypes,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import filters, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from flowdesigner.api_params import NULL_CHARACTERS, holds_null_character, refuse_null_characters
from flowdesigner.openapi import bad_request
from flowdesigner.params import MAX_ID, parse_id
from flowdesigner.roles import IsMarketerOrStaff
from people import changes, selectors, services
from people.api.imports import CSVRenderer, JsonErrorsMixin
from people.api.segments import DESTROY_IN_USE, Conflict
from people.attributes import AttributeValueError, normalise_email, normalise_phone, validate_timezone
from people.exports import persons_export_response
from people.models import AttributeValue, Company, Person, Tag


class TagSerializer(serializers.ModelSerializer):
    # Annotated by the viewset's queryset; a tag just created through the API has no annotation and
    # no persons yet.
    person_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Tag
        fields = ["id", "name", "person_count"]


class CompanySerializer(serializers.ModelSerializer):
    person_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Company
        fields = ["id", "name", "domain", "notes", "person_count", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Custom attribute values by key. On write, only the given keys change; "
        'null, "" or [] clears a value.',
        "example": {"score": 42, "interests": ["golf"], "vip_until": "2026-01-31T23:00:00Z"},
    }
)
class AttributesField(serializers.Field):
    """The person's custom attributes as {key: value}; validated by each definition's type."""

    def __init__(self, **kwargs: Any):
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, person: Person) -> dict[str, Any]:
        return selectors.person_attributes(person)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be an object of attribute key to value.")
        if holds_null_character(data):  # a key or text PostgreSQL cannot hold (a 500 when looked up)
            raise serializers.ValidationError(NULL_CHARACTERS)
        try:
            services.attributes_parse(data)
        except services.AttributesInvalid as exc:
            raise serializers.ValidationError({key: [msg] for key, msg in exc.errors.items()}) from exc
        return {"attributes": data}


def _unique(field: str, value: Any, instance: Person | None, message: str) -> None:
    if value and Person.objects.filter(**{field: value}).exclude(pk=getattr(instance, "pk", None)).exists():
        raise serializers.ValidationError(message)


class PersonSerializer(serializers.ModelSerializer):
    tags = serializers.PrimaryKeyRelatedField(many=True, queryset=Tag.objects.all(), required=False)
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False, allow_null=True
    )
    timezone = serializers.CharField(
        required=False, max_length=64, help_text="IANA name, e.g. Europe/Brussels"
    )
    phone = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=32,
        help_text="Stored in E.164; numbers without + are read in the PEOPLE_DEFAULT_REGION.",
    )
    attributes = AttributesField()

    class Meta:
        model = Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "external_id",
            "language",
            "timezone",
            "opt_in",
            "birth_date",
            "company",
            "tags",
            "attributes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is checked below with the normalised values (and a clearer message).
        extra_kwargs = {"external_id": {"validators": []}}

    def validate_email(self, value: str | None) -> str | None:
        value = normalise_email(value)
        _unique("email__iexact", value, self.instance, "Another person already has this email address.")
        return value

    def validate_phone(self, value: str | None) -> str | None:
        try:
            value = normalise_phone(value)
        except AttributeValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        _unique("phone", value, self.instance, "Another person already has this phone number.")
        return value

    def validate_external_id(self, value: str | None) -> str | None:
        value = (value or "").strip() or None
        _unique("external_id", value, self.instance, "Another person already has this external id.")
        return value

    def validate_timezone(self, value: str) -> str:
        try:
            return validate_timezone(value)
        except AttributeValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def create(self, validated_data: dict[str, Any]) -> Person:
        return services.person_create(**validated_data)

    def update(self, instance: Person, validated_data: dict[str, Any]) -> Person:
        tags = validated_data.pop("tags", None)
        attributes = validated_data.pop("attributes", None)
        return services.person_update(
            person=instance, fields=validated_data, tags=tags, attributes=attributes
        )

    def save(self, **kwargs: Any) -> Person:
        try:
            with transaction.atomic(), changes.source("api"):
                return super().save(**kwargs)
        except IntegrityError as exc:
            # Two requests raced for the same email, phone or external id; the check above passed for both.
            raise serializers.ValidationError(
                {"non_field_errors": ["Another person already has this email, phone or external id."]}
            ) from exc


def _ids_param(raw: str) -> list[int]:
    """Ids written with ASCII digits, each a possible database id; a 400 for anything else."""
    ids = []
    for part in filter(None, (part.strip() for part in raw.split(","))):
        person_id = parse_id(part)
        if person_id is None:
            raise serializers.ValidationError({"ids": ["Comma-separated person ids, e.g. 1,2,3."]})
        ids.append(person_id)
    return ids


class BulkTagFilterSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, default="")
    tag = serializers.CharField(required=False, allow_blank=True, default="")
    company = serializers.CharField(required=False, allow_blank=True, default="", help_text='An id or "none"')
    segment = serializers.CharField(required=False, allow_blank=True, default="")


class BulkTagSerializer(serializers.Serializer):
    tag = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all())
    action = serializers.ChoiceField(choices=["add", "remove"])
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=10_000
    )
    filter = BulkTagFilterSerializer(required=False, help_text="Every person matching the People filters")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError('Give either "ids" or "filter".')
        return attrs


class SearchFilter(filters.SearchFilter):
    """DRF's `?search=`, refusing a bad term as a field error ({"search": ["…"]}) like every other
    400 of the API, not as DRF's bare list (["Null characters are not allowed."])."""

    def get_search_terms(self, request: Request) -> list[str]:
        try:
            return super().get_search_terms(request)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({self.search_param: exc.detail}) from exc


def searchable_list(serializer_class: type[serializers.Serializer]) -> Any:
    """The list's schema: a page of `serializer_class`, or 400 for a `search` term that is refused."""
    return extend_schema(
        responses={
            200: serializer_class(many=True),
            400: bad_request("A `search` term that is refused (e.g. with a NUL character)"),
        }
    )


@extend_schema_view(list=searchable_list(TagSerializer), destroy=DESTROY_IN_USE)
class TagViewSet(viewsets.ModelViewSet):
    serializer_class = TagSerializer
    permission_classes = [IsMarketerOrStaff]
    filter_backends = [SearchFilter]
    search_fields = ["name"]

    def get_queryset(self):
        return Tag.objects.annotate(person_count=Count("persons")).order_by("name")

    def perform_destroy(self, instance: Tag) -> None:
        try:
            with changes.source("api"):
                services.tag_delete(tag=instance)
        except services.InUse as exc:
            raise Conflict(str(exc)) from exc


@extend_schema_view(list=searchable_list(CompanySerializer), destroy=DESTROY_IN_USE)
class CompanyViewSet(viewsets.ModelViewSet):
    serializer_class = CompanySerializer
    permission_classes = [IsMarketerOrStaff]
    filter_backends = [SearchFilter]
    search_fields = ["name", "domain"]

    def get_queryset(self):
        return Company.objects.annotate(person_count=Count("persons")).order_by("name")

    def perform_destroy(self, instance: Company) -> None:
        try:
            with changes.source("api"):
                services.company_delete(company=instance)
        except services.InUse as exc:
            raise Conflict(str(exc)) from exc


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Part of a name, email or phone"),
            OpenApiParameter("tag", int),
            OpenApiParameter("company", str, description='A company id, or "none"'),
            OpenApiParameter("segment", int, description="Only the persons in this segment"),
            OpenApiParameter(
                "via",
                str,
                enum=["sftp", "flow_api", "hand"],
                description="How they were created: an SFTP import, the Flow API, or by hand/API/CSV import",
            ),
            OpenApiParameter("ids", str, description="Only these persons: comma-separated ids, e.g. 1,2,3"),
        ],
        responses={
            200: PersonSerializer(many=True),
            400: bad_request("`ids` is not a list of ids, or a parameter holds a NUL character"),
        },
    )
)
class PersonViewSet(JsonErrorsMixin, viewsets.ModelViewSet):
    serializer_class = PersonSerializer
    permission_classes = [IsMarketerOrStaff]

    def get_queryset(self):
        params = self.request.query_params
        refuse_null_characters(params)
        persons = selectors.persons_filtered(
            search=params.get("search", ""),
            tag=params.get("tag", ""),
            company=params.get("company", ""),
            segment=params.get("segment", ""),
            via=params.get("via", ""),
        )
        if "ids" in params:
            persons = persons.filter(pk__in=_ids_param(params["ids"]))
        return persons.prefetch_related(
            "tags", Prefetch("attribute_values", queryset=AttributeValue.objects.select_related("definition"))
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Part of a name, email or phone"),
            OpenApiParameter("tag", int),
            OpenApiParameter("company", str, description='A company id, or "none"'),
            OpenApiParameter("segment", int, description="Only the persons in this segment"),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            400: bad_request("A parameter holds a NUL character"),
        },
    )
    @action(detail=False, methods=["get"], renderer_classes=[JSONRenderer, CSVRenderer])
    def export(self, request: Request) -> StreamingHttpResponse:
        """Persons matching the People filters as CSV, streamed: standard attributes, company, tags and
        every custom attribute; cells a spreadsheet would run as formulas are prefixed with a quote."""
        refuse_null_characters(request.query_params)  # before the 200 is sent
        return persons_export_response(request.query_params)

    @extend_schema(
        request=BulkTagSerializer,
        responses=inline_serializer("BulkTagResult", {"changed": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="bulk-tag")
    def bulk_tag(self, request: Request) -> Response:
        """Add or remove a tag on chosen persons ("ids") or on every person matching "filter"."""
        body = BulkTagSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        changed = services.persons_tag_bulk(
            tag=data["tag"],
            add=data["action"] == "add",
            person_ids=data.get("ids"),
            filter=data.get("filter"),
        )
        return Response({"changed": changed})
