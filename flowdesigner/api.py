"""Flows API: list/create, detail, draft save, validate, publish, the element-type registry, and the flows
with entry points of a type (what the canvas's "Add to flow" offers)."""

from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.checks import definition_issues
from engine.core import elements
from engine.core.definition import DefinitionError
from engine.definitions import version_definition
from engine.entry_points import entry_label
from flowdesigner import services
from flowdesigner.draft_issues import draft_issues
from flowdesigner.models import Flow, FlowVersion
from flowdesigner.openapi import bad_request, error
from flowdesigner.params import parse_id
from flowdesigner.rogerthat.schema import MAX_XML_BYTES
from flowdesigner.rogerthat.xml_export import RogerthatExportError
from flowdesigner.rogerthat.xml_import import RogerthatImportError
from flowdesigner.roles import IsMarketer, IsMarketerOrStaff

MAX_DEFINITION_NODES = 2000


class IssueSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    node_id = serializers.CharField(allow_null=True)
    field = serializers.CharField(allow_null=True)


class FlowSerializer(serializers.ModelSerializer):
    published_version = serializers.SerializerMethodField()

    class Meta:
        model = Flow
        fields = ["id", "name", "status", "callback_url", "published_version", "created_at", "updated_at"]
        read_only_fields = ["status", "created_at", "updated_at"]

    def get_published_version(self, flow: Flow) -> int | None:
        version = flow.latest_version
        return version.number if version else None


class DefinitionField(serializers.JSONField):
    def to_internal_value(self, data):
        # An object parsed from the JSON body is JSON already; DRF's check would encode it once more just to
        # see that it can (a large flow's draft costs milliseconds to encode).
        if not (isinstance(data, dict) and not getattr(data, "is_json_string", False)):
            data = super().to_internal_value(data)
        if not isinstance(data, dict):
            raise serializers.ValidationError("The definition must be a JSON object.")
        nodes = data.get("nodes")
        if isinstance(nodes, list) and len(nodes) > MAX_DEFINITION_NODES:
            raise serializers.ValidationError(f"A flow can have at most {MAX_DEFINITION_NODES} elements.")
        return data


def _flow_exists_or_404(pk: int) -> None:
    # Without loading the row: its draft can be large, and the service reads what it needs.
    if not Flow.objects.filter(pk=pk).exists():
        raise Http404("No Flow matches the given query.")


def _body(request) -> dict:
    """The JSON body as an object; a list or scalar reads as empty: field errors, not a 500."""
    return request.data if isinstance(request.data, dict) else {}


class DraftSerializer(serializers.Serializer):
    definition = DefinitionField()
    revision = serializers.IntegerField(min_value=1)


class FlowDetailSerializer(FlowSerializer):
    draft = serializers.SerializerMethodField()

    class Meta(FlowSerializer.Meta):
        fields = [*FlowSerializer.Meta.fields, "draft"]

    def update(self, instance: Flow, validated_data: dict) -> Flow:
        # Only the settings sent are written: saving the whole row would re-encode the draft and could put
        # back an older one over a draft saved in between.
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save(update_fields=[*validated_data, "updated_at"])
        return instance

    @extend_schema_field(serializers.JSONField())
    def get_draft(self, flow: Flow) -> dict:
        return {
            "definition": flow.draft_definition,
            "revision": flow.draft_revision,
            "issues": [i.as_dict() for i in draft_issues(flow)],
        }


class FlowListCreateApi(generics.ListCreateAPIView):
    """Flows; marketers create them."""

    serializer_class = FlowSerializer
    queryset = Flow.objects.all()

    def get_permissions(self):
        return [IsMarketer()] if self.request.method == "POST" else [IsMarketerOrStaff()]

    def perform_create(self, serializer):
        serializer.instance = services.flow_create(
            name=serializer.validated_data["name"],
            callback_url=serializer.validated_data.get("callback_url", ""),
            user=self.request.user,
        )


class FlowDetailApi(generics.RetrieveUpdateAPIView):
    """A flow with its draft (definition, revision, validation issues). Marketers edit settings."""

    serializer_class = FlowDetailSerializer
    queryset = Flow.objects.all()
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self):
        return [IsMarketer()] if self.request.method == "PATCH" else [IsMarketerOrStaff()]


class FlowDraftSaveApi(APIView):
    """Save the draft. A save based on a stale revision gets 409 and changes nothing."""

    permission_classes = [IsMarketer]

    @extend_schema(
        request=DraftSerializer,
        responses={
            200: inline_serializer(
                "DraftSaved", {"revision": serializers.IntegerField(), "issues": IssueSerializer(many=True)}
            ),
            409: error(409, "`revision` is stale (nothing saved); the body has the current one"),
        },
    )
    def put(self, request, pk: int):
        _flow_exists_or_404(pk)
        serializer = DraftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            flow, issues = services.flow_draft_save(
                flow_id=pk,
                definition=serializer.validated_data["definition"],
                revision=serializer.validated_data["revision"],
            )
        except services.StaleRevision as exc:
            return Response({"detail": str(exc), "revision": exc.current}, status=status.HTTP_409_CONFLICT)
        return Response({"revision": flow.draft_revision, "issues": [i.as_dict() for i in issues]})


class FlowValidateApi(APIView):
    """Validate a definition without saving it."""

    permission_classes = [IsMarketer]

    @extend_schema(
        request=inline_serializer("ValidateRequest", {"definition": DefinitionField()}),
        responses={200: inline_serializer("ValidateResult", {"issues": IssueSerializer(many=True)})},
    )
    def post(self, request):
        field = DefinitionField()
        try:
            definition = field.to_internal_value(_body(request).get("definition"))
        except serializers.ValidationError as exc:
            return Response({"definition": exc.detail}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"issues": [i.as_dict() for i in definition_issues(definition)]})


class FlowPublishApi(APIView):
    """Publish the draft at `revision` into a new immutable version."""

    permission_classes = [IsMarketer]

    @extend_schema(
        request=inline_serializer("PublishRequest", {"revision": serializers.IntegerField()}),
        responses={
            201: inline_serializer("Published", {"version": serializers.IntegerField()}),
            400: bad_request("The draft has issues (`issues`), or `revision` is not a whole number"),
            409: error(409, "`revision` is stale (nothing published); the body has the current one"),
        },
    )
    def post(self, request, pk: int):
        _flow_exists_or_404(pk)
        revision = _body(request).get("revision")
        # bool is an int subclass; `true` is not a revision number.
        if not isinstance(revision, int) or isinstance(revision, bool):
            return Response({"revision": ["A whole number is required."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            version = services.flow_publish(flow_id=pk, revision=revision, user=request.user)
        except services.StaleRevision as exc:
            return Response({"detail": str(exc), "revision": exc.current}, status=status.HTTP_409_CONFLICT)
        except services.PublishRefused as exc:
            return Response(
                {"detail": str(exc), "issues": [i.as_dict() for i in exc.issues]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"version": version.number, "issues": []}, status=status.HTTP_201_CREATED)


class FlowVersionSerializer(serializers.ModelSerializer):
    """A published version as the history lists it: who published it and when, without its definition."""

    published_by = serializers.SerializerMethodField()
    element_count = serializers.SerializerMethodField()

    class Meta:
        model = FlowVersion
        fields = ["id", "number", "published_at", "published_by", "element_count"]

    def get_published_by(self, version: FlowVersion) -> str | None:
        """The publisher's full name (else username); null when unknown or since deleted."""
        user = version.published_by
        return (user.get_full_name() or user.get_username()) if user is not None else None

    def get_element_count(self, version: FlowVersion) -> int:
        nodes = version.definition.get("nodes") if isinstance(version.definition, dict) else None
        return len(nodes) if isinstance(nodes, list) else 0


class FlowVersionDetailSerializer(FlowVersionSerializer):
    """A published version with its definition."""

    class Meta(FlowVersionSerializer.Meta):
        fields = [*FlowVersionSerializer.Meta.fields, "definition"]


class FlowVersionListApi(generics.ListAPIView):
    """A flow's published versions, newest first: number, when, by whom, how many elements."""

    serializer_class = FlowVersionSerializer
    permission_classes = [IsMarketerOrStaff]

    def get_queryset(self):
        flow = get_object_or_404(Flow, pk=self.kwargs["pk"])  # an unknown flow is 404, not an empty list
        return FlowVersion.objects.filter(flow=flow).select_related("published_by").order_by("-number")


def _version_or_404(flow_id: int, number: int, queryset=None) -> FlowVersion:
    """A flow's version by number, or 404. Looked up through the flow's own id column: a foreign key
    compared with a number beyond 64 bits overflows SQLite's driver (a 500), where Django answers no rows
    for an id column (found by the schema fuzzer: /api/flows/1642167013277961289728/versions/415/)."""
    queryset = FlowVersion.objects.all() if queryset is None else queryset
    return get_object_or_404(queryset, flow__pk=flow_id, number=number)


class FlowVersionDetailApi(generics.RetrieveAPIView):
    """One published version with its definition (what the history's diff draws)."""

    serializer_class = FlowVersionDetailSerializer
    permission_classes = [IsMarketerOrStaff]

    def get_object(self):
        return _version_or_404(
            self.kwargs["pk"], self.kwargs["number"], FlowVersion.objects.select_related("published_by")
        )


class FlowVersionRestoreApi(APIView):
    """Make a published version the draft (a new draft revision, saved as any draft save is). Needs the
    current draft `revision`: a stale one gets 409 and changes nothing."""

    permission_classes = [IsMarketer]

    @extend_schema(
        request=inline_serializer("RestoreRequest", {"revision": serializers.IntegerField(min_value=1)}),
        responses={
            200: inline_serializer(
                "DraftRestored",
                {"revision": serializers.IntegerField(), "issues": IssueSerializer(many=True)},
            ),
            400: bad_request("`revision` is not a whole number"),
            404: error(404, "No such flow, or no such version of it"),
            409: error(409, "`revision` is stale (nothing restored); the body has the current one"),
        },
    )
    def post(self, request, pk: int, number: int):
        _version_or_404(pk, number)
        revision = _body(request).get("revision")
        # bool is an int subclass; `true` is not a revision number.
        if not isinstance(revision, int) or isinstance(revision, bool):
            return Response({"revision": ["A whole number is required."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            flow, issues = services.flow_version_restore(flow_id=pk, number=number, revision=revision)
        except services.StaleRevision as exc:
            return Response({"detail": str(exc), "revision": exc.current}, status=status.HTTP_409_CONFLICT)
        return Response({"revision": flow.draft_revision, "issues": [i.as_dict() for i in issues]})


class ElementTypeListApi(APIView):
    """The element-type registry the canvas mirrors: type, label, category, config schema, defaults."""

    permission_classes = [IsMarketerOrStaff]

    @extend_schema(
        responses={
            200: inline_serializer(
                "ElementType",
                {
                    "type": serializers.CharField(),
                    "label": serializers.CharField(),
                    "category": serializers.CharField(),
                    "config_schema": serializers.JSONField(),
                    "defaults": serializers.JSONField(),
                },
                many=True,
            )
        }
    )
    def get(self, request):
        return Response(elements.describe())


def entry_types() -> set[str]:
    """The element types that are entry points."""
    return {t.type for t in elements.all_types() if t.category == "entry"}


def latest_versions():
    """Each flow's newest published version (one query), with its flow, by flow name."""
    newest = FlowVersion.objects.filter(flow=OuterRef("flow")).order_by("-number").values("pk")[:1]
    return (
        FlowVersion.objects.filter(pk=Subquery(newest)).select_related("flow").order_by("flow__name", "flow")
    )


def flows_with_entries(entry_type: str) -> list[dict]:
    """The flows whose newest published version has entry points of `entry_type`, each with them
    ({"id": node id, "label": the canvas label, else the element label and id})."""
    found = []
    for version in latest_versions():
        try:
            nodes = [n for n in version_definition(version).entries() if n.type == entry_type]
        except DefinitionError:
            continue
        if nodes:
            flow = version.flow
            points = [{"id": n.id, "label": entry_label(version.definition, n.id, n.type)} for n in nodes]
            found.append({"flow": flow.pk, "name": flow.name, "status": flow.status, "entries": points})
    return found


FlowEntries = inline_serializer(
    "FlowEntries",
    {
        "flow": serializers.IntegerField(),
        "name": serializers.CharField(),
        "status": serializers.CharField(),
        "entries": inline_serializer(
            "FlowEntry", {"id": serializers.CharField(), "label": serializers.CharField()}, many=True
        ),
    },
    many=True,
)


class FlowEntryListApi(APIView):
    """The flows whose newest published version has entry points of a type (`?type=existing_flow` for
    the flows an "Add to flow" step can hand people to), with those entry points."""

    permission_classes = [IsMarketerOrStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("type", str, required=True, description="An entry point type: existing_flow, …")
        ],
        responses={
            200: FlowEntries,
            400: inline_serializer("EntryTypeUnknown", {"type": serializers.ListField()}),
        },
    )
    def get(self, request):
        entry_type = request.query_params.get("type", "")
        known = entry_types()
        if entry_type not in known:
            problem = f"{entry_type!r} is not an entry point type" if entry_type else "Give a type"
            message = f"{problem}; use one of: {', '.join(sorted(known))}."
            return Response({"type": [message]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(flows_with_entries(entry_type))


class FlowImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A Rogerthat messageFlowDefinitionSet XML file (at most 2 MiB).")
    name = serializers.CharField(
        max_length=200, required=False, help_text="Defaults to the definition's name."
    )


class RecordedRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member_email = serializers.CharField()
    member_name = serializers.CharField()
    language = serializers.CharField()
    status = serializers.CharField()


class FlowImportedSerializer(FlowDetailSerializer):
    """The new flow, the defaults the import took (`warnings`: shown, they refuse nothing) and the
    recorded member runs of a messageFlowRun (replay one with `manage.py replay_run <id>`)."""

    warnings = serializers.SerializerMethodField()
    recorded_runs = RecordedRunSerializer(many=True, read_only=True)

    class Meta(FlowDetailSerializer.Meta):
        fields = [*FlowDetailSerializer.Meta.fields, "warnings", "recorded_runs"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, flow: Flow) -> list[str]:
        return self.context.get("warnings", [])


class FlowImportApi(APIView):
    """Import Rogerthat XML as a new flow (draft). Nothing is created when any element is invalid; defaults
    taken for attributes real exports leave out are listed as warnings."""

    permission_classes = [IsMarketer]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": FlowImportSerializer},
        responses={
            201: FlowImportedSerializer,
            400: inline_serializer(
                "ImportRefused",
                {
                    "detail": serializers.CharField(),
                    "errors": serializers.ListField(child=serializers.CharField()),
                },
            ),
        },
    )
    def post(self, request):
        serializer = FlowImportSerializer(data=request.data)
        if not serializer.is_valid():  # the same shape as a file with errors: {"detail", "errors"}
            errors = [f"{name}: {' '.join(messages)}" for name, messages in serializer.errors.items()]
            return Response(
                {"detail": "Nothing was imported: the request is incomplete.", "errors": errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        upload = serializer.validated_data["file"]
        if upload.size > MAX_XML_BYTES:
            return Response(
                {"detail": "The file is larger than 2 MiB.", "errors": []}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            imported = services.flow_import_rogerthat_report(
                data=upload.read(), user=request.user, name=serializer.validated_data.get("name")
            )
        except RogerthatImportError as exc:
            return Response(
                {"detail": "Nothing was imported: the file has errors.", "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = FlowImportedSerializer(imported.flow, context={"warnings": imported.warnings}).data
        return Response(data, status=status.HTTP_201_CREATED)


class FlowExportApi(APIView):
    """The flow's draft (or `?version=N`) as Rogerthat XML."""

    permission_classes = [IsMarketerOrStaff]

    @extend_schema(
        parameters=[OpenApiParameter("version", int, description="A published version; default: the draft")],
        responses={
            (200, "application/xml"): bytes,
            400: bad_request("`version` is not a number, or the flow cannot be exported yet (`errors`)"),
            404: error(404, "No such flow, or no such version of it"),
        },
    )
    def get(self, request, pk: int):
        flow = get_object_or_404(Flow, pk=pk)
        version = None
        if "version" in request.query_params:
            number = parse_id(request.query_params["version"])
            if number is None:
                return Response(
                    {"version": ["Must be a version number: 1, 2, 3, …"]}, status=status.HTTP_400_BAD_REQUEST
                )
            version = get_object_or_404(FlowVersion, flow=flow, number=number)
        try:
            data = services.flow_export_rogerthat(flow=flow, version=version)
        except RogerthatExportError as exc:
            return Response(
                {"detail": "This flow cannot be exported yet.", "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        filename = slugify(flow.name) or f"flow-{flow.pk}"
        response = HttpResponse(data, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.xml"'
        return response
