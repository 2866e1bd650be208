"""Launches API and a real-time audience by hand (staff)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine import entries, services
from engine.core.elements.predefined_audience import AUDIENCE_KEYS
from engine.models import MAX_CONTEXT, Launch
from flowdesigner.models import Flow
from flowdesigner.openapi import bad_request, error
from flowdesigner.roles import IsMarketerOrStaff, IsStaff
from people.models import Company, Person, Segment, Tag


class LaunchSerializer(serializers.ModelSerializer):
    flow = serializers.IntegerField(source="version.flow_id", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Launch
        fields = [
            "id",
            "flow",
            "version",
            "audience",
            "launch_tag",
            "context",
            "status",
            "total",
            "entered",
            "refused",
            "progress_percent",
            "error",
            "created_at",
            "finished_at",
        ]


class AudienceSerializer(serializers.Serializer):
    tags = serializers.PrimaryKeyRelatedField(many=True, queryset=Tag.objects.all(), required=False)
    segments = serializers.PrimaryKeyRelatedField(many=True, queryset=Segment.objects.all(), required=False)
    persons = serializers.PrimaryKeyRelatedField(many=True, queryset=Person.objects.all(), required=False)
    companies = serializers.PrimaryKeyRelatedField(many=True, queryset=Company.objects.all(), required=False)
    everyone = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("everyone") and not any(attrs.get(key) for key in AUDIENCE_KEYS):
            raise serializers.ValidationError(
                "Choose everyone, or at least one tag, segment, person or company."
            )
        return attrs

    def to_audience(self) -> dict:
        data = self.validated_data
        audience = {key: [item.pk for item in data.get(key, [])] for key in AUDIENCE_KEYS}
        audience["everyone"] = bool(data.get("everyone"))
        return audience


class LaunchCreateSerializer(serializers.Serializer):
    audience = AudienceSerializer(
        required=False, allow_null=True, help_text="Omit to use the flow's Predefined Audience."
    )
    launch_tag = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    context = serializers.CharField(
        max_length=MAX_CONTEXT,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Free text delivered with every participant's results (Rogerthat's launch context).",
    )


class LaunchCreateApi(APIView):
    """Launch the newest published version of a flow to an audience (staff); list its launches (marketers
    and staff: the flow page follows their progress)."""

    permission_classes = [IsStaff]

    def get_permissions(self):
        if self.request.method == "GET":
            return [IsMarketerOrStaff()]
        return super().get_permissions()

    @extend_schema(responses={200: LaunchSerializer(many=True), 404: error(404)})
    def get(self, request, pk: int):
        """The flow's 20 newest launches, newest first."""
        flow = get_object_or_404(Flow, pk=pk)
        launches = Launch.objects.filter(version__flow=flow).select_related("version").order_by("-id")[:20]
        return Response(LaunchSerializer(launches, many=True).data)

    @extend_schema(
        request=LaunchCreateSerializer,
        responses={
            201: LaunchSerializer,
            400: bad_request("Not published yet, an empty audience, or an invalid field"),
        },
    )
    def post(self, request, pk: int):
        flow = get_object_or_404(Flow, pk=pk)
        serializer = LaunchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = flow.latest_version
        if version is None:
            return Response(
                {"detail": "Publish the flow before launching it."}, status=status.HTTP_400_BAD_REQUEST
            )
        audience = None
        if serializer.validated_data.get("audience") is not None:
            audience_serializer = AudienceSerializer(data=request.data["audience"])
            audience_serializer.is_valid(raise_exception=True)
            audience = audience_serializer.to_audience()
        try:
            launch = services.launch_create(
                version=version,
                audience=audience,
                launch_tag=serializer.validated_data["launch_tag"],
                context=serializer.validated_data["context"],
                user=request.user,
            )
        except services.LaunchRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(LaunchSerializer(launch).data, status=status.HTTP_201_CREATED)


class LaunchDetailApi(generics.RetrieveAPIView):
    """A launch and its progress."""

    permission_classes = [IsStaff]
    serializer_class = LaunchSerializer
    queryset = Launch.objects.select_related("version")


class AudienceAddSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), help_text="The person's id.")


class FlowAudienceAddApi(APIView):
    """Add a person by hand to an active flow whose Predefined Audience updates in real time: they enter
    it at once (201), unless its re-entry setting or the frequency cap refuses them (409, with the
    reason, also kept on their timeline). 400 when the flow does not take people by hand (not active,
    or its audience is static)."""

    permission_classes = [IsStaff]

    @extend_schema(
        request=AudienceAddSerializer,
        responses={
            201: inline_serializer("AudienceAdded", {"participant": serializers.IntegerField()}),
            400: bad_request("The flow does not take people by hand (not active, or a static audience)"),
            409: error(409, "Refused by the flow's re-entry setting or the frequency cap (the reason)"),
        },
    )
    def post(self, request, pk: int):
        flow = get_object_or_404(Flow, pk=pk)
        serializer = AudienceAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            entry = entries.audience_add(flow=flow, person=serializer.validated_data["person"])
        except entries.EntryRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        if entry.participant is None:
            return Response({"detail": entry.refusal}, status=status.HTTP_409_CONFLICT)
        return Response({"participant": entry.participant.pk}, status=status.HTTP_201_CREATED)


class FlowAudienceRemoveApi(APIView):
    """Take a person out of the flow: their runs still in it end as exited and their open messages
    close (204); 404 when they are not in the flow."""

    permission_classes = [IsStaff]

    @extend_schema(
        request=None, responses={204: None, 404: error(404, "No such flow or person, or not in it")}
    )
    def delete(self, request, pk: int, person_id: int):
        flow = get_object_or_404(Flow, pk=pk)
        person = get_object_or_404(Person, pk=person_id)
        if not entries.audience_remove(flow=flow, person=person, by=request.user.get_username()):
            return Response({"detail": "This person is not in the flow."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
