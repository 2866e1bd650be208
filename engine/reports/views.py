"""The participants pages of a flow (marketers and staff): the list with filters and the CSV export, and
one participant's path and messages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from engine.models import Launch, Participant
from engine.reports import selectors
from engine.reports.exports import node_label, participants_export_response
from flowdesigner.models import Flow, FlowVersion
from flowdesigner.roles import MARKETER, STAFF, role_required


def _nodes(flow: Flow, version: FlowVersion | None) -> list[dict]:
    """The elements of that version, or of the newest (the filters offer what the flow has now)."""
    shown = version or FlowVersion.objects.filter(flow=flow).order_by("-number").first()
    return selectors.definition_nodes(shown) if shown else []


@role_required(MARKETER, STAFF)
def participant_list(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_object_or_404(Flow, pk=pk)
    error, page, filters = "", None, selectors.ParticipantFilters()
    try:
        filters = selectors.participant_filters(flow, request.GET)
        page = selectors.participants_page(flow, filters, request.GET.get("cursor"))
    except (selectors.ReportInputError, selectors.ReportNotFound) as exc:
        error = str(exc)
    nodes = _nodes(flow, filters.version)
    labels = {n["id"]: node_label(n) for n in nodes}
    context = {
        "flow": flow,
        "error": error,
        "page": page,
        "rows": [
            {**row, "element": labels.get(row["current_node"], row["current_node"])}
            for row in page["results"]
        ]
        if page
        else [],
        "versions": FlowVersion.objects.filter(flow=flow).order_by("-number"),
        "elements": [(n["id"], labels[n["id"]]) for n in nodes],
        "answers": [
            (f"{n['id']}:{exit_name}", f"{labels[n['id']]} → {exit_name}")
            for n in nodes
            for exit_name in (n.get("exits") or {})
        ],
        "statuses": Participant.Status.values,
        "launches": Launch.objects.filter(version__flow=flow).order_by("-id")[:50],
        "params": request.GET,
        "query": request.GET.urlencode(),
        "export_query": _without(request.GET, "cursor"),
    }
    return render(request, "engine/participant_list.html", context, status=400 if error else 200)


def _without(params, name: str) -> str:
    copy = params.copy()
    copy.pop(name, None)
    return copy.urlencode()


@role_required(MARKETER, STAFF)
def participants_export(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_object_or_404(Flow, pk=pk)
    try:
        filters = selectors.participant_filters(flow, request.GET)
    except (selectors.ReportInputError, selectors.ReportNotFound) as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return participants_export_response(flow, filters)


@role_required(MARKETER, STAFF)
def participant_detail(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    participant = get_object_or_404(
        Participant.objects.select_related("person", "version", "launch"),
        pk=participant_id,
        version__flow_id=pk,
    )
    detail = selectors.participant_detail(participant)
    labels = {n["id"]: node_label(n) for n in selectors.definition_nodes(participant.version)}
    for step in detail["path"]:
        step["label"] = labels.get(step["node_id"], step["node_id"])
    return render(
        request,
        "engine/participant_detail.html",
        {"flow": participant.version.flow, "participant": participant, "detail": detail},
    )
