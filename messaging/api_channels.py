"""The channel accounts as the designer needs them: which numbers and addresses an Inbound Message or
Inbound Call entry can listen on (read-only; staff manage channels on the Channels page)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from flowdesigner.roles import IsMarketerOrStaff
from messaging.models import Channel

ChannelSummary = inline_serializer(
    "ChannelSummary",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=Channel.Kind.choices),
        "name": serializers.CharField(),
        "identities": serializers.ListField(child=serializers.CharField()),
    },
    many=True,
)


class ChannelListApi(APIView):
    """Active channels with their numbers or addresses ("recipients"), by kind and name."""

    permission_classes = [IsMarketerOrStaff]

    @extend_schema(responses={200: ChannelSummary})
    def get(self, request):
        rows = Channel.objects.filter(active=True).order_by("kind", "name")
        return Response(
            [{"id": c.pk, "kind": c.kind, "name": c.name, "identities": list(c.identities)} for c in rows]
        )
