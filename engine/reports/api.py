"""The flow reports API (marketers and staff): counters for the results canvas and the performance page,
activity over time, a Form message's latest answers, participants with filters, one participant's path,
and the launches of a flow. Thin: engine/reports/selectors.py does the reading."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.models import Participant
from engine.reports import selectors
from flowdesigner.api_params import refuse_null_characters
from flowdesigner.models import Flow
from flowdesigner.openapi import bad_request, error
from flowdesigner.roles import IsMarketerOrStaff

VERSION = OpenApiParameter("version", int, description="A version number; all versions summed when absent.")


def _flow(pk: int) -> Flow:
    return get_object_or_404(Flow, pk=pk)


class ReportView(APIView):
    """Turns the selectors' input errors into 400 and unknown names into 404, with their sentence."""

    permission_classes = [IsMarketerOrStaff]

    def handle_exception(self, exc):
        if isinstance(exc, selectors.ReportInputError):
            return Response({"detail": str(exc)}, status=400)
        if isinstance(exc, selectors.ReportNotFound):
            return Response({"detail": str(exc)}, status=404)
        return super().handle_exception(exc)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        refuse_null_characters(request.query_params)


class FlowReportApi(ReportView):
    """Every counter of a flow version (or all versions summed) with the definition to draw them on."""

    @extend_schema(
        parameters=[VERSION],
        responses={200: serializers.JSONField(), 400: bad_request(), 404: error(404)},
    )
    def get(self, request, pk: int):
        flow = _flow(pk)
        version = selectors.version_for(flow, request.query_params.get("version"))
        return Response(selectors.flow_report(flow, version))


class FlowActivityApi(ReportView):
    """Entered, completed, failed, exited per hour or day, and how many were in the flow."""

    @extend_schema(
        parameters=[
            VERSION,
            OpenApiParameter("start", str, description="ISO 8601; default: 7 days before end."),
            OpenApiParameter("end", str, description="ISO 8601; default: now."),
            OpenApiParameter("bucket", str, enum=["hour", "day"], description="Default: hour up to 14 days."),
        ],
        responses={200: serializers.JSONField(), 400: bad_request(), 404: error(404)},
    )
    def get(self, request, pk: int):
        flow = _flow(pk)
        params = request.query_params
        version = selectors.version_for(flow, params.get("version"))
        span = selectors.activity_range(
            params.get("start"), params.get("end"), params.get("bucket"), now=timezone.now()
        )
        return Response(selectors.activity(flow, version, span))


class FormAnswersApi(ReportView):
    """The latest answers to one Form message (texts, locations, photos)."""

    @extend_schema(
        parameters=[VERSION, OpenApiParameter("limit", int, description="1 to 200; default 50.")],
        responses={200: serializers.JSONField(), 400: bad_request(), 404: error(404)},
    )
    def get(self, request, pk: int, node_id: str):
        flow = _flow(pk)
        version = selectors.version_for(flow, request.query_params.get("version"))
        limit = selectors.page_limit(request.query_params.get("limit"))
        return Response(selectors.latest_answers(flow, version, node_id, limit=limit))


class ParticipantListApi(ReportView):
    """The flow's participants, newest first, 50 per page (`next` is the cursor of the next page)."""

    @extend_schema(
        parameters=[
            VERSION,
            OpenApiParameter("element", str, description="Waiting at this element now."),
            OpenApiParameter("status", str, enum=Participant.Status.values),
            OpenApiParameter("answer", str, description='"element:exit": left that element by that exit.'),
            OpenApiParameter("launch", int),
            OpenApiParameter("launch_tag", str),
            OpenApiParameter("cursor", str),
            OpenApiParameter("limit", int, description="1 to 200; default 50."),
        ],
        responses={200: serializers.JSONField(), 400: bad_request(), 404: error(404)},
    )
    def get(self, request, pk: int):
        flow = _flow(pk)
        filters = selectors.participant_filters(flow, request.query_params)
        params = request.query_params
        limit = selectors.page_limit(params.get("limit"))
        return Response(selectors.participants_page(flow, filters, params.get("cursor"), limit=limit))


class ParticipantDetailApi(ReportView):
    """One participant: their path through the flow, their messages and their results."""

    @extend_schema(responses={200: serializers.JSONField(), 404: error(404)})
    def get(self, request, pk: int):
        participant = get_object_or_404(
            Participant.objects.select_related("person", "version", "launch"), pk=pk
        )
        return Response(selectors.participant_detail(participant))
