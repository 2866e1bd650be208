"""The Flow API endpoints, in the paths and shapes of Infobip's Moments API:

POST   /moments/1/flows/{flowId}/participants              add 1 to 1000 participants (asynchronous)
GET    /moments/1/flows/{flowId}/participants/report       what became of each of them
DELETE /moments/1/flows/{flowId}/participants?identifier=&type=    take a person out of the flow

Authenticated by `Authorization: App <key>` only, rate limited per key, errors as
`{"errorCode", "errorMessage"}` (engine/flow_api/errors.py). See docs/flow-api.md.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.flow_api import errors, services
from engine.flow_api import serializers as s
from engine.flow_api.auth import ApiKeyRateThrottle, AppKeyAuthentication, HasApiKey
from engine.flow_api.payload import LimitedJSONParser, add_request_parse

TAGS = ["Flow API"]
FLOW_ID = OpenApiParameter(
    "flowId", OpenApiTypes.INT64, OpenApiParameter.PATH, description="The flow's id (Infobip: campaignId)."
)
ERRORS = {
    400: OpenApiResponse(
        s.FlowApiErrorSerializer, description="A malformed request, or the flow cannot take it"
    ),
    401: OpenApiResponse(s.FlowApiErrorSerializer, description="No, an unknown or a revoked API key"),
    404: OpenApiResponse(s.FlowApiErrorSerializer, description="Unknown flow (or operation, or person)"),
    429: OpenApiResponse(s.FlowApiErrorSerializer, description="The key's rate limit; see Retry-After"),
}
EXAMPLE_REQUEST = {
    "participants": [
        {
            "identifyBy": {"identifier": "ann@example.com", "type": "EMAIL"},
            "variables": {"orderNumber": 1167},
        },
        {
            "identifyBy": {"identifier": "41793026727", "type": "PHONE"},
            "person": {
                "firstName": "Bo",
                "customAttributes": {"plan": "gold"},
                "contactInformation": {"email": [{"address": "bo@example.com"}]},
            },
        },
    ],
    "notifyUrl": "https://example.com/flow-reports",
    "callbackData": "batch 42",
}


class IgnoreAccept(DefaultContentNegotiation):
    """Always JSON: an integrator's Accept header never turns an answer into a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FlowApiView(APIView):
    authentication_classes = [AppKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyRateThrottle]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreAccept

    def get_exception_handler(self):
        return errors.exception_handler


class FlowParticipantsApi(FlowApiView):
    @extend_schema(
        operation_id="flow_api_add_participants",
        summary="Add participants to flow",
        description=(
            "Adds 1 to 1000 participants to an active flow with a Flow API entry point. Answers at once with "
            "an operationId; each participant is then processed on its own (created or updated in People by "
            "its identifiers, then entered) and reported ACCEPTED or REJECTED with a reason."
        ),
        tags=TAGS,
        parameters=[FLOW_ID],
        request=s.FlowApiAddParticipantsSerializer,
        responses={
            200: s.FlowApiAddParticipantsResponseSerializer,
            413: OpenApiResponse(s.FlowApiErrorSerializer, description="The body is larger than allowed"),
            415: OpenApiResponse(s.FlowApiErrorSerializer, description="The body is not sent as JSON"),
            **ERRORS,
        },
        examples=[OpenApiExample("Two participants", value=EXAMPLE_REQUEST, request_only=True)],
    )
    def post(self, request, **kwargs) -> Response:
        flow = services.flow_get(kwargs["flowId"])
        services.flow_target(flow)
        add = add_request_parse(request.data)
        operation = services.operation_create(flow=flow, api_key=request.auth, request=add)
        return Response({"operationId": str(operation.uuid)})

    @extend_schema(
        operation_id="flow_api_remove_participant",
        summary="Remove a person from flow",
        description="Ends every run of the person in the flow (their open messages close).",
        tags=TAGS,
        parameters=[
            FLOW_ID,
            OpenApiParameter("identifier", str, required=True, description="Email, phone or external id."),
            OpenApiParameter("type", str, required=True, enum=["EMAIL", "PHONE", "EXTERNAL_ID"]),
        ],
        responses={200: s.FlowApiRemoveResponseSerializer, **ERRORS},
    )
    def delete(self, request, **kwargs) -> Response:
        flow = services.flow_get(kwargs["flowId"])
        removed = services.participant_remove(
            flow=flow,
            identifier=request.query_params.get("identifier"),
            type_name=request.query_params.get("type"),
        )
        return Response({"removed": removed})


class FlowParticipantsReportApi(FlowApiView):
    @extend_schema(
        operation_id="flow_api_participants_report",
        summary="Get a report on participants added to flow",
        tags=TAGS,
        parameters=[
            FLOW_ID,
            OpenApiParameter("operationId", OpenApiTypes.UUID, required=True, description="From the POST."),
        ],
        responses={200: s.FlowApiReportSerializer, **ERRORS},
    )
    def get(self, request, **kwargs) -> Response:
        flow = services.flow_get(kwargs["flowId"])
        operation = services.operation_get(flow, request.query_params.get("operationId"))
        return Response(services.operation_report(operation))
