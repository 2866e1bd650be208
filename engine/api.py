"""Launches API (staff)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine import services
from engine.core.elements.predefined_audience import AUDIENCE_KEYS
from engine.models import MAX_CONTEXT, Launch
from flowdesigner.models import Flow
from flowdesigner.roles import IsStaff
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
    """Launch the newest published version of a flow to an audience."""

    permission_classes = [IsStaff]

    @extend_schema(request=LaunchCreateSerializer, responses={201: LaunchSerializer})
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
