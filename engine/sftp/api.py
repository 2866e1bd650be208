"""SFTP API for the canvas editor: the connections a marketer can choose in an SFTP Import entry point."""

from rest_framework import generics, serializers

from engine.sftp.models import SftpConnection
from flowdesigner.roles import IsMarketerOrStaff


class SftpConnectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SftpConnection
        fields = ["id", "name", "host", "port", "username"]  # never the password, key or host key
        read_only_fields = fields


class SftpConnectionListApi(generics.ListAPIView):
    """Every SFTP connection, by name (a plain list: there are few)."""

    permission_classes = [IsMarketerOrStaff]
    serializer_class = SftpConnectionSerializer
    pagination_class = None
    queryset = SftpConnection.objects.order_by("name", "id")
