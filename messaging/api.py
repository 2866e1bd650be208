"""Inbox API for end users: their messages, writing one (the composer), answering one (buttons, dismiss or
a form), and uploading a photo for a form."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.definitions import version_definition
from engine.services import AnswerRefused, participant_answer
from flowdesigner.openapi import bad_request, error
from flowdesigner.roles import IsEndUser
from messaging.inbound import web_inbound
from messaging.selectors import DEFAULT_SENDER_NAME, inbox_messages, message_payload
from messaging.services import UploadRefused, upload_create

InboxMessage = inline_serializer(
    "InboxMessage",
    {
        "id": serializers.IntegerField(),
        "direction": serializers.ChoiceField(
            choices=["out", "in"], help_text='"out": sent to the person; "in": written by them (the composer)'
        ),
        "flow_name": serializers.CharField(),
        # Always sent; optional in the schema only so clients built before it (and their test
        # fixtures) still type-check.
        "sender_name": serializers.CharField(
            required=False,
            help_text="Who the person sees the message from: the flow's sender name, else the product's name",
        ),
        "text": serializers.CharField(),
        "buttons": serializers.JSONField(help_text='[{"id", "caption", "action"}]'),
        "allow_dismiss": serializers.BooleanField(),
        "dismiss_caption": serializers.CharField(),
        "branding": serializers.CharField(allow_null=True),
        "branding_colors": serializers.JSONField(
            allow_null=True, help_text='{"background", "text", "scheme"} of the branding; null without one'
        ),
        "alert": serializers.JSONField(help_text='{"type", "interval", "vibrate"}'),
        "auto_lock": serializers.BooleanField(),
        "attachments": serializers.JSONField(help_text='[{"name", "url", "content_type", "size"}]'),
        "created_at": serializers.DateTimeField(),
        "answered_button_id": serializers.CharField(allow_null=True),
        "answered_caption": serializers.CharField(allow_null=True),
        "answered_at": serializers.DateTimeField(allow_null=True),
        "dismissed": serializers.BooleanField(),
        "locked": serializers.BooleanField(),
        "form": serializers.JSONField(
            allow_null=True,
            help_text='{"widget", "positive_caption", "positive_confirmation", "negative_caption", '
            '"negative_confirmation"}; null for a plain message',
        ),
        "form_result": serializers.JSONField(allow_null=True, help_text='{"type", "value"} once answered'),
        "display_value": serializers.CharField(allow_null=True),
    },
)


# The same fields as a list: GET /api/inbox/messages/ answers every message at once (not paginated).
InboxMessageList = serializers.ListSerializer(child=InboxMessage)
NO_INBOX = error(403, "Not an end user, or an end user's account without a person (no inbox)")


def _person(request):
    return getattr(request.user, "person", None)


class ComposeSerializer(serializers.Serializer):
    # Blank and length are web_inbound's rules (it says why); only the type is checked here.
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="1 to 1000 characters")


class InboxMessageListApi(APIView):
    """GET: your messages, oldest first (what was sent to you and what you wrote). POST: write a message
    (free text or a keyword): stored as your inbound web message and routed like a reply (a step waiting for
    your answer, else an Inbound Message entry point, else kept for staff); 201 with it, 400 with the reason
    for a text that cannot be sent (empty, too long)."""

    permission_classes = [IsEndUser]

    @extend_schema(responses={200: InboxMessageList})
    def get(self, request):
        person = _person(request)
        return Response(inbox_messages(person.pk) if person else [])

    @extend_schema(
        request=ComposeSerializer,
        responses={201: InboxMessage, 400: bad_request("Empty or too long (`code`: invalid)"), 403: NO_INBOX},
    )
    def post(self, request):
        person = _person(request)
        if person is None:
            return Response({"detail": "Your account has no inbox."}, status=status.HTTP_403_FORBIDDEN)
        serializer = ComposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = web_inbound(person, serializer.validated_data["text"])
        except ValueError as exc:
            return Response({"detail": str(exc), "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST)
        return Response(message_payload(message), status=status.HTTP_201_CREATED)


class FormAnswerSerializer(serializers.Serializer):
    button = serializers.ChoiceField(choices=["positive", "negative"])
    value = serializers.JSONField(required=False, allow_null=True, help_text="The widget's value (positive)")


class AnswerSerializer(serializers.Serializer):
    """{"button_id": "yes"} answers with a button; {"dismiss": true} dismisses ("Roger that"); a form message
    is answered with {"form": {"button": "positive", "value": ...}} or {"form": {"button": "negative"}}."""

    button_id = serializers.CharField(max_length=64, required=False)
    dismiss = serializers.BooleanField(required=False, default=False)
    form = FormAnswerSerializer(required=False)

    def validate(self, attrs):
        given = [key for key in ("button_id", "form") if key in attrs] + (
            ["dismiss"] if attrs["dismiss"] else []
        )
        if len(given) > 1:
            raise serializers.ValidationError("Send one of button_id, dismiss or form.")
        if not given:
            raise serializers.ValidationError({"button_id": "Send the button_id, dismiss: true, or a form."})
        return attrs


class InboxAnswerApi(APIView):
    """Answer one of your messages with a button, dismiss it, or submit its form. 400 for an answer the
    message does not take (with the reason, e.g. a form value that breaks the widget's rules; nothing is
    stored); 409 when it is locked (already answered with auto-lock, or a form already answered) or stale;
    without auto-lock a later button answer replaces the first."""

    permission_classes = [IsEndUser]

    @extend_schema(
        request=AnswerSerializer,
        responses={
            200: InboxMessage,
            400: bad_request("An answer the message does not take (`code`: invalid), or a malformed one"),
            403: NO_INBOX,
            404: error(404, "None of your messages has this id (`code`: not_found)"),
            409: error(409, "Locked (already answered) or the step is over (`code` says which)"),
        },
    )
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
                form=serializer.validated_data.get("form"),
                person=person,
            )
        except AnswerRefused as exc:
            code = {"not_found": 404, "invalid": 400}.get(exc.code, 409)
            return Response({"detail": exc.detail, "code": exc.code}, status=code)
        return Response(message_payload(message, senders=_answered_senders(message)))


def _answered_senders(message) -> dict | None:
    """Who an answered message is from, from the participant the answer loaded and the version's cached
    definition: no query, and the flow's document is never read (None for a message of no flow)."""
    if not message.participant_id:
        return None
    version = message.participant.version
    sender = version_definition(version).sender_name or DEFAULT_SENDER_NAME
    return {version.pk: (version.flow.name, sender)}


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


Uploaded = inline_serializer(
    "InboxUpload",
    {
        "id": serializers.UUIDField(),
        "url": serializers.CharField(),
        "name": serializers.CharField(),
        "content_type": serializers.CharField(),
        "size": serializers.IntegerField(),
    },
)


class InboxUploadApi(APIView):
    """Upload a photo for a form (multipart, field "file"): JPEG, PNG, WebP or GIF recognised by content, at
    most UPLOAD_MAX_BYTES. Answer the form with {"upload": id}. The file is served to you (and staff) only."""

    permission_classes = [IsEndUser]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: Uploaded,
            400: bad_request("Not a JPEG, PNG, WebP or GIF, or too large (`code`: upload_refused)"),
            403: NO_INBOX,
        },
    )
    def post(self, request):
        person = _person(request)
        if person is None:
            return Response({"detail": "Your account has no inbox."}, status=status.HTTP_403_FORBIDDEN)
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            upload = upload_create(person=person, file=serializer.validated_data["file"])
        except UploadRefused as exc:
            return Response(
                {"detail": str(exc), "code": "upload_refused"}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response({"id": str(upload.uuid), **upload.as_file()}, status=status.HTTP_201_CREATED)
