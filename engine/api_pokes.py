"""Pokes API: marketers and staff define a flow's pokes; end users list the ones they can start and
start one (the inbox's service menu)."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine import pokes
from engine.models import Poke
from flowdesigner.models import Flow
from flowdesigner.openapi import error
from flowdesigner.roles import IsEndUser, IsMarketerOrStaff

# The routes take a slug (<slug:code>); anything else is no poke.
POKE_CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$")


class PokeSerializer(serializers.ModelSerializer):
    flow = serializers.IntegerField(source="flow_id", read_only=True)
    link_url = serializers.SerializerMethodField(help_text="The action link (/p/<code>/), absolute.")
    qr_url = serializers.SerializerMethodField(help_text="A PNG QR code of the link (?via=qr).")
    tag = serializers.SlugField(max_length=100)

    class Meta:
        model = Poke
        fields = ["code", "flow", "tag", "label", "description", "active", "link_url", "qr_url", "created_at"]
        read_only_fields = ["code", "created_at"]

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_link_url(self, poke: Poke) -> str:
        return self._absolute(reverse("poke-link", args=[poke.code]))

    def get_qr_url(self, poke: Poke) -> str:
        return self._absolute(reverse("poke-qr", args=[poke.code]))


class FlowPokeListCreateApi(APIView):
    """A flow's pokes (GET) and a new one (POST: tag, label, description, active)."""

    permission_classes = [IsMarketerOrStaff]

    @extend_schema(responses={200: PokeSerializer(many=True)})
    def get(self, request, pk: int):
        flow = get_object_or_404(Flow, pk=pk)
        return Response(PokeSerializer(flow.pokes.all(), many=True, context={"request": request}).data)

    @extend_schema(request=PokeSerializer, responses={201: PokeSerializer})
    def post(self, request, pk: int):
        flow = get_object_or_404(Flow, pk=pk)
        serializer = PokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            poke = pokes.poke_create(flow=flow, **serializer.validated_data)
        except pokes.PokeRefused as exc:
            return Response({"tag": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            PokeSerializer(poke, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


@extend_schema(parameters=[POKE_CODE])
class PokeDetailApi(APIView):
    """One poke by its code: read, change (PATCH tag, label, description, active) or delete."""

    permission_classes = [IsMarketerOrStaff]

    @extend_schema(responses={200: PokeSerializer})
    def get(self, request, code: str):
        poke = get_object_or_404(Poke, code=code)
        return Response(PokeSerializer(poke, context={"request": request}).data)

    @extend_schema(request=PokeSerializer, responses={200: PokeSerializer})
    def patch(self, request, code: str):
        poke = get_object_or_404(Poke.objects.select_related("flow"), code=code)
        serializer = PokeSerializer(poke, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            poke = pokes.poke_update(poke=poke, **serializer.validated_data)
        except pokes.PokeRefused as exc:
            return Response({"tag": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PokeSerializer(poke, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, code: str):
        get_object_or_404(Poke, code=code).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


InboxPoke = inline_serializer(
    "InboxPoke",
    {
        "code": serializers.CharField(),
        "tag": serializers.CharField(),
        "label": serializers.CharField(),
        "description": serializers.CharField(),
        "flow_name": serializers.CharField(),
    },
)

PokeStarted = inline_serializer(
    "PokeStarted",
    {
        "run_id": serializers.UUIDField(),
        "started": serializers.BooleanField(
            help_text="false for a double tap: the run the first tap started"
        ),
        "detail": serializers.CharField(),
    },
)


def _inbox_poke(poke: Poke) -> dict:
    return {
        "code": poke.code,
        "tag": poke.tag,
        "label": poke.label,
        "description": poke.description,
        "flow_name": poke.flow.name,
    }


class InboxPokeListApi(APIView):
    """The services an end user can start: active pokes of flows with a published version."""

    permission_classes = [IsEndUser]

    @extend_schema(responses={200: serializers.ListSerializer(child=InboxPoke)})
    def get(self, request):
        return Response([_inbox_poke(poke) for poke in pokes.pokes_available().order_by("label", "id")])


@extend_schema(parameters=[POKE_CODE])
class InboxPokeStartApi(APIView):
    """Start a poke's flow (source "button"); its first messages arrive in the inbox. 201 when a run
    started, 200 for a double tap within 10 s (the same run), 404 for an unknown or inactive poke, 409
    when the flow cannot start (not published)."""

    permission_classes = [IsEndUser]

    @extend_schema(
        request=None,
        responses={
            201: PokeStarted,
            200: PokeStarted,
            403: error(403, "Not an end user, or an end user's account without a person (no inbox)"),
            404: error(404, "No active poke has this code"),
            409: error(409, "The flow cannot start (not published)"),
        },
    )
    def post(self, request, code: str):
        person = getattr(request.user, "person", None)
        if person is None:
            return Response({"detail": "Your account has no inbox."}, status=status.HTTP_403_FORBIDDEN)
        poke = Poke.objects.filter(code=code, active=True).select_related("flow").first()
        if poke is None:
            return Response(
                {"detail": "This service does not exist or is no longer available."},
                status=status.HTTP_404_NOT_FOUND,
            )
        try:
            result = pokes.poke_start(poke=poke, person=person, source="button")
        except pokes.PokeRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        detail = f"Started {poke.label}." if result.started else f"{poke.label} has just been started."
        return Response(
            {"run_id": str(result.participant.uuid), "started": result.started, "detail": detail},
            status=status.HTTP_201_CREATED if result.started else status.HTTP_200_OK,
        )
