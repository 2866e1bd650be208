"""The Infobip-shaped bodies of the Flow API, for the OpenAPI schema. Requests are read by
engine/flow_api/payload.py and participants.py (each participant is judged on its own, which a serializer's
all-or-nothing validation cannot do); these classes describe the same shapes for /api/schema/."""

from __future__ import annotations

from rest_framework import serializers

from engine.flow_api.participants import ERROR_REASONS, IDENTIFIER_TYPES
from engine.flow_api.payload import MAX_CALLBACK_DATA, MAX_NOTIFY_URL, MAX_PARTICIPANTS


class FlowApiIdentifyBySerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text="The person's email address, phone number or external id.")
    type = serializers.ChoiceField(list(IDENTIFIER_TYPES), help_text="What the identifier is.")


class FlowApiPhoneSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="International form, with or without +: 41793026727.")


class FlowApiEmailSerializer(serializers.Serializer):
    address = serializers.CharField()


class FlowApiContactInformationSerializer(serializers.Serializer):
    phone = FlowApiPhoneSerializer(many=True, required=False, help_text="A person holds one phone number.")
    email = FlowApiEmailSerializer(many=True, required=False, help_text="A person holds one email address.")


class FlowApiPersonSerializer(serializers.Serializer):
    externalId = serializers.CharField(required=False, max_length=100)  # noqa: N815 (Infobip's field name)
    firstName = serializers.CharField(required=False, max_length=100)  # noqa: N815
    lastName = serializers.CharField(required=False, max_length=100)  # noqa: N815
    customAttributes = serializers.DictField(  # noqa: N815
        required=False, help_text="Custom attribute key -> value; the attribute must exist in People."
    )
    contactInformation = FlowApiContactInformationSerializer(required=False)  # noqa: N815


class FlowApiParticipantSerializer(serializers.Serializer):
    identifyBy = FlowApiIdentifyBySerializer()  # noqa: N815
    variables = serializers.DictField(
        required=False, help_text="Flow variable name -> value; the flow must declare the variable."
    )
    person = FlowApiPersonSerializer(required=False, help_text="Fields to create or update the person with.")


class FlowApiAddParticipantsSerializer(serializers.Serializer):
    participants = FlowApiParticipantSerializer(many=True, min_length=1, max_length=MAX_PARTICIPANTS)
    notifyUrl = serializers.URLField(  # noqa: N815
        required=False, max_length=MAX_NOTIFY_URL, help_text="Receives the report, signed, once completed."
    )
    callbackData = serializers.CharField(  # noqa: N815
        required=False, max_length=MAX_CALLBACK_DATA, help_text="Returned as is in the report."
    )


class FlowApiAddParticipantsResponseSerializer(serializers.Serializer):
    operationId = serializers.UUIDField(help_text="Ask for the report with it.")  # noqa: N815


class FlowApiParticipantResultSerializer(serializers.Serializer):
    identifyBy = FlowApiIdentifyBySerializer(help_text="As sent.")  # noqa: N815
    status = serializers.ChoiceField(
        ["PENDING", "ACCEPTED", "REJECTED"], help_text="PENDING until the participant is processed."
    )
    errorReason = serializers.ChoiceField(  # noqa: N815
        ERROR_REASONS, required=False, help_text="Only for REJECTED: Infobip's reason code."
    )
    errorMessage = serializers.CharField(  # noqa: N815
        required=False,
        help_text="Only for REJECTED: what was wrong, naming the field (participants[3].person.firstName).",
    )


class FlowApiReportSerializer(serializers.Serializer):
    operationId = serializers.UUIDField()  # noqa: N815
    campaignId = serializers.IntegerField(help_text="The flow's id (Infobip's name).")  # noqa: N815
    flowId = serializers.IntegerField(help_text="The flow's id.")  # noqa: N815
    callbackData = serializers.CharField(allow_null=True)  # noqa: N815
    status = serializers.ChoiceField(
        ["PENDING", "COMPLETED"], help_text="COMPLETED once every participant is processed."
    )
    participants = FlowApiParticipantResultSerializer(many=True, help_text="In request order.")


class FlowApiRemoveResponseSerializer(serializers.Serializer):
    removed = serializers.IntegerField(help_text="How many of the person's runs in the flow ended.")


class FlowApiErrorSerializer(serializers.Serializer):
    errorCode = serializers.CharField(help_text="40001 bad request, 40401 flow not found, ...")  # noqa: N815
    errorMessage = serializers.CharField()  # noqa: N815
