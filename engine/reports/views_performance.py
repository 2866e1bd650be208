"""The flow performance page (marketers and staff): a thin page mounting the React app of
flowdesigner/frontend/src/reports, which reads everything from the report API and follows the flow's
websocket."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from flowdesigner.models import Flow
from flowdesigner.roles import MARKETER, STAFF, role_required


@role_required(MARKETER, STAFF)
def flow_performance(request: HttpRequest, pk: int) -> HttpResponse:
    """Charts and tables of one flow's counters; 404 for an unknown flow."""
    flow = get_object_or_404(Flow, pk=pk)
    config = {
        "flowId": flow.pk,
        "flowName": flow.name,
        "reportUrl": reverse("api-flow-report", args=[flow.pk]),
        "activityUrl": reverse("api-flow-activity", args=[flow.pk]),
        # The app appends "<node_id>/"; reversed with a placeholder so the prefix follows the route.
        "answersUrl": reverse("api-flow-form-answers", args=[flow.pk, "-"])[: -len("-/")],
        "participantsUrl": reverse("flow-participants", args=[flow.pk]),
        "flowUrl": reverse("flow-detail", args=[flow.pk]),
    }
    return render(request, "engine/flow_performance.html", {"flow": flow, "performance_config": config})
