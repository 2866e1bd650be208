"""Brandings API: the list the message editor's dropdown shows; upload and delete for marketers."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from flowdesigner import branding as branding_service
from flowdesigner.models import Branding
from flowdesigner.openapi import bad_request
from flowdesigner.roles import IsMarketer, IsMarketerOrStaff


class BrandingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Branding
        fields = ["key", "name", "background_color", "text_color", "color_scheme", "created_at"]


class BrandingUploadSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    package = serializers.FileField(help_text="A zip with branding.html at its root, at most 400 KiB.")


class BrandingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    queryset = Branding.objects.all()
    serializer_class = BrandingSerializer
    lookup_field = "key"
    # Keys are slugs (branding_create); anything else names no branding. Without this, a key with a NUL
    # character reached the database, which PostgreSQL refuses (a 500).
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    parser_classes = [MultiPartParser]

    def get_permissions(self):
        return [IsMarketerOrStaff()] if self.request.method == "GET" else [IsMarketer()]

    @extend_schema(
        request={"multipart/form-data": BrandingUploadSerializer},
        responses={
            201: BrandingSerializer,
            400: bad_request('A package that is too large or refused: {"package": ["why", ...]}'),
        },
    )
    def create(self, request):
        upload = BrandingUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        package = upload.validated_data["package"]
        if package.size > branding_service.MAX_ZIP_BYTES:
            return Response(
                {"package": [f"The package is {package.size // 1024} KiB; at most 400 KiB is allowed."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            created = branding_service.branding_create(
                name=upload.validated_data["name"], data=package.read(), user=request.user
            )
        except branding_service.BrandingRefused as exc:
            return Response({"package": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(BrandingSerializer(created).data, status=status.HTTP_201_CREATED)
