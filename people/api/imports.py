"""Imports of persons from CSV/TSV (upload, mapping, progress, rejected rows) and the CSV export."""

from typing import Any

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flowdesigner.openapi import bad_request
from flowdesigner.parsers import JSONParser
from flowdesigner.roles import IsMarketerOrStaff
from people import exports, imports
from people.models import PersonImport, Tag


class CSVRenderer(BaseRenderer):
    """Lets clients ask for text/csv; the body itself is streamed by the view (errors stay JSON)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return JSONRenderer().render(data)


class JsonErrorsMixin:
    """Errors as JSON even when the client asked for text/csv: a CSV download that is refused (401,
    403, 404, a bad filter) answers `{"detail"}` as application/json, never JSON labelled text/csv."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


class PersonImportSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    delimiter_label = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()
    rejected_csv = serializers.SerializerMethodField()

    class Meta:
        model = PersonImport
        fields = [
            "id",
            "original_name",
            "size",
            "status",
            "encoding",
            "note",
            "delimiter",
            "delimiter_label",
            "has_header",
            "mapping",
            "tags",
            "upsert_key",
            "total",
            "processed",
            "created",
            "updated",
            "rejected",
            "error",
            "rejected_csv",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_delimiter_label(self, obj: PersonImport) -> str:
        return imports.delimiter_label(obj.delimiter)

    def get_note(self, obj: PersonImport) -> str:
        return imports.LATIN1_NOTE if obj.encoding == "latin-1" else ""

    def get_rejected_csv(self, obj: PersonImport) -> str:
        return f"/api/imports/{obj.pk}/rejected.csv"


class PreviewSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    suggestions = serializers.ListField(child=serializers.CharField())


class MappingFields(serializers.Serializer):
    mapping = serializers.JSONField(
        required=False,
        help_text='One target per column (a list), or {"column name": target}. Targets: first_name, '
        "last_name, email, phone, external_id, language, timezone, opt_in, birth_date, company (by name), "
        'a custom attribute key, or "ignore".',
    )
    upsert_key = serializers.ChoiceField(
        choices=PersonImport.UpsertKey.choices, required=False, default="email"
    )
    tags = serializers.PrimaryKeyRelatedField(many=True, queryset=Tag.objects.all(), required=False)
    delimiter = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text='One character, or "tab"; empty: detected (comma, semicolon, pipe or tab).',
    )
    has_header = serializers.BooleanField(required=False, default=True)


class PersonImportDetailSerializer(PersonImportSerializer):
    """An import as GET …/{id}/ and the upload answer it: with the preview while it is new."""

    preview = PreviewSerializer(
        read_only=True,
        allow_null=True,
        required=False,
        help_text="While the import is new: the columns, first rows and suggested mapping; null when its "
        "file is no longer stored (error says so); absent once started.",
    )

    class Meta(PersonImportSerializer.Meta):
        fields = [*PersonImportSerializer.Meta.fields, "preview"]
        read_only_fields = fields


class PersonImportCreateSerializer(MappingFields):
    file = serializers.FileField(help_text="CSV or TSV, UTF-8 (with or without BOM) or Latin-1.")


def _detail(person_import: PersonImport, *, preview: bool) -> dict[str, Any]:
    data = dict(PersonImportSerializer(person_import).data)
    if preview:
        try:
            found = imports.import_preview(person_import)
        except imports.ImportFileMissing as exc:  # it cannot be started: say why, in the import's error
            data["preview"] = None
            data["error"] = str(exc)
        else:
            data["preview"] = {"columns": found.columns, "rows": found.rows, "suggestions": found.suggestions}
    return data


@extend_schema_view(retrieve=extend_schema(responses=PersonImportDetailSerializer))
class PersonImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports of persons. Upload with POST (multipart "file"); with a "mapping" it starts at once,
    otherwise it waits (status "new", with a preview and suggested mapping) for POST …/start/. A new
    import whose file is no longer stored has preview null and says so in "error"."""

    serializer_class = PersonImportSerializer
    permission_classes = [IsMarketerOrStaff]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    queryset = PersonImport.objects.select_related("created_by").prefetch_related("tags")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person_import = self.get_object()
        return Response(_detail(person_import, preview=person_import.status == PersonImport.Status.NEW))

    @extend_schema(
        request={"multipart/form-data": PersonImportCreateSerializer},
        responses={
            201: PersonImportDetailSerializer,
            400: bad_request("An empty, binary or too large file, or a bad mapping (`code`: import_refused)"),
        },
    )
    def create(self, request: Request) -> Response:
        body = PersonImportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            person_import = imports.person_import_create(
                file=data["file"],
                created_by=request.user,
                delimiter=data.get("delimiter") or None,
                has_header=data["has_header"],
            )
            if "mapping" in data:
                imports.person_import_start(
                    person_import=person_import,
                    mapping=data["mapping"],
                    upsert_key=data["upsert_key"],
                    tags=data.get("tags", []),
                )
        except imports.ImportRefused as exc:
            return Response(
                {"detail": str(exc), "code": "import_refused"}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(
            _detail(person_import, preview=person_import.status == PersonImport.Status.NEW),
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=MappingFields,
        responses={
            200: PersonImportDetailSerializer,
            400: bad_request("A bad mapping, already started, or its file is gone (`code`: import_refused)"),
        },
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        """Fix the mapping, tags and upsert key (and optionally the delimiter) and queue the run."""
        person_import = self.get_object()
        body = MappingFields(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "mapping" not in data:
            return Response({"mapping": ["This field is required."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            imports.person_import_start(
                person_import=person_import,
                mapping=data["mapping"],
                upsert_key=data["upsert_key"],
                tags=data.get("tags", []),
                delimiter=data.get("delimiter") or None,
                has_header=data["has_header"] if "has_header" in request.data else None,
            )
        except imports.ImportRefused as exc:
            return Response(
                {"detail": str(exc), "code": "import_refused"}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(_detail(person_import, preview=False))


def rejected_csv_response(person_import: PersonImport) -> StreamingHttpResponse:
    """The rejected rows: line, reason, then the row's own cells under the file's columns."""
    response = StreamingHttpResponse(
        exports.csv_lines(imports.rejected_rows(person_import)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{person_import.pk}-rejected.csv"'
    return response


class PersonImportRejectedApi(JsonErrorsMixin, APIView):
    permission_classes = [IsMarketerOrStaff]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        """The rejected rows of an import as CSV: line, reason, then the row's cells."""
        return rejected_csv_response(get_object_or_404(PersonImport, pk=pk))
