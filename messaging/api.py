"""Inbox API for end users: their messages, and answering one."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.services import AnswerRefused, participant_answer
from flowdesigner.roles import IsEndUser
from messaging.selectors import inbox_messages, message_payload

InboxMessage = inline_serializer(
    "InboxMessage",
    {
        "id": serializers.IntegerField(),
        "flow_name": serializers.CharField(),
        "text": serializers.CharField(),
        "buttons": serializers.JSONField(help_text='[{"id", "caption", "action"}]'),
        "allow_dismiss": serializers.BooleanField(),
        "dismiss_caption": serializers.CharField(),
        "branding": serializers.CharField(allow_null=True),
        "alert": serializers.JSONField(help_text='{"type", "interval", "vibrate"}'),
        "auto_lock": serializers.BooleanField(),
        "attachments": serializers.JSONField(help_text='[{"name", "url", "content_type", "size"}]'),
        "created_at": serializers.DateTimeField(),
        "answered_button_id": serializers.CharField(allow_null=True),
        "answered_caption": serializers.CharField(allow_null=True),
        "answered_at": serializers.DateTimeField(allow_null=True),
        "dismissed": serializers.BooleanField(),
        "locked": serializers.BooleanField(),
    },
)


def _person(request):
    return getattr(request.user, "person", None)


class InboxMessageListApi(APIView):
    permission_classes = [IsEndUser]

    @extend_schema(responses={200: InboxMessage})
    def get(self, request):
        person = _person(request)
        return Response(inbox_messages(person.pk) if person else [])


class AnswerSerializer(serializers.Serializer):
    """{"button_id": "yes"} answers with a button; {"dismiss": true} dismisses ("Roger that")."""

    button_id = serializers.CharField(max_length=64, required=False)
    dismiss = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if attrs.get("dismiss") and "button_id" in attrs:
            raise serializers.ValidationError("Send either button_id or dismiss, not both.")
        if not attrs.get("dismiss") and "button_id" not in attrs:
            raise serializers.ValidationError({"button_id": "Send the button_id, or dismiss: true."})
        return attrs


class InboxAnswerApi(APIView):
    """Answer one of your messages with a button or dismiss it. 409 when it is locked (already answered
    with auto-lock) or stale; without auto-lock a later answer replaces the first."""

    permission_classes = [IsEndUser]

    @extend_schema(request=AnswerSerializer, responses={200: InboxMessage})
    def post(self, request, pk: int):
        person = _person(request)
        if person is None:
            return Response({"detail": "Your account has no inbox."}, status=status.HTTP_403_FORBIDDEN)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = participant_answer(
                message_id=pk,
                button_id=serializer.validated_data.get("button_id"),
                dismiss=serializer.validated_data["dismiss"],
                person=person,
            )
        except AnswerRefused as exc:
            code = {"not_found": 404, "invalid": 400}.get(exc.code, 409)
            return Response({"detail": exc.detail, "code": exc.code}, status=code)
        return Response(message_payload(message))
