"""The launch form's audience preview: how many people a launch to the chosen audience would reach now."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.definitions import LaunchRefused
from flowdesigner.launching import AUDIENCE_KINDS, LaunchForm, audience_count
from flowdesigner.models import Flow
from flowdesigner.openapi import error
from flowdesigner.roles import IsStaff

AudiencePreview = inline_serializer("AudiencePreview", {"count": serializers.IntegerField(min_value=0)})


class AudiencePreviewApi(APIView):
    """How many people a launch of the flow's newest published version to an audience would reach now,
    counted as the launch counts it (staff). The launch form shows it while staff choose, and asks them
    to confirm that number before launching."""

    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=list(AUDIENCE_KINDS), required=True, description="Who"),
            OpenApiParameter("tag", OpenApiTypes.INT, description="The tag's id (kind=tag)"),
            OpenApiParameter("segment", OpenApiTypes.INT, description="The segment's id (kind=segment)"),
            OpenApiParameter(
                "person", str, description="Emails or phone numbers, by commas or new lines (kind=person)"
            ),
        ],
        responses={
            200: AudiencePreview,
            400: error(400, "Not published yet, no Predefined Audience entry, or an invalid choice"),
            404: error(404),
        },
    )
    def get(self, request, pk: int):
        flow = get_object_or_404(Flow, pk=pk)
        version = flow.latest_version
        if version is None:
            return _refused("Publish the flow before launching it.")
        params = request.query_params
        form = LaunchForm(
            {
                "audience": params.get("kind", ""),
                "tag": params.get("tag", ""),
                "segment": params.get("segment", ""),
                "person": params.get("person", ""),
            }
        )
        if not form.is_valid():
            # One message for a person to read: the first problem of the choice (unknown tag, nobody
            # with that email address, ...).
            problems = next(iter(form.errors.values()))
            return _refused(problems[0])
        try:
            count = audience_count(version, form.audience_dict())
        except LaunchRefused as exc:
            return _refused(str(exc))
        return Response({"count": count})


def _refused(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
