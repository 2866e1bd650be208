"""Flow API pages: staff manage API keys (/api-keys/); marketers and staff see a flow's operations with
the endpoint to call (/flows/<pk>/api-operations/) and each operation's participants."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engine.flow_api import keys
from engine.flow_api.errors import FlowApiError
from engine.flow_api.models import ApiKey, FlowApiOperation, default_rate_limit
from engine.flow_api.services import ENTRY_TYPE, flow_target
from flowdesigner.models import Flow
from flowdesigner.roles import MARKETER, STAFF, role_required

OPERATIONS_PER_PAGE = 50


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Who uses it, e.g. “CRM sync”.")
    rate_limit_per_minute = forms.IntegerField(
        min_value=1, max_value=keys.MAX_RATE_LIMIT, label="Requests per minute"
    )


@role_required(STAFF)
def api_key_list(request: HttpRequest) -> HttpResponse:
    """The keys, and the form to create one. The new key is shown on the answer to the POST only (never
    stored, never redirected to), and that page is not cached."""
    form = ApiKeyForm(request.POST or None, initial={"rate_limit_per_minute": default_rate_limit()})
    if request.method == "POST" and form.is_valid():
        created = keys.api_key_create(
            name=form.cleaned_data["name"],
            created_by=request.user,
            rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
        )
        response = render(
            request, "flow_api/api_key_created.html", {"key": created.key, "secret": created.secret}
        )
        response["Cache-Control"] = "no-store"
        return response
    context = {"form": form, "keys": ApiKey.objects.select_related("created_by")}
    return render(request, "flow_api/api_key_list.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(STAFF)
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    keys.api_key_revoke(key=key)
    messages.success(request, f"Revoked the key {key.name} ({key.prefix}…); it is refused from now on.")
    return redirect("api-key-list")


def endpoint_url(request: HttpRequest, flow: Flow) -> str:
    return request.build_absolute_uri(reverse("flow-api-participants", kwargs={"flowId": flow.pk}))


SAMPLES = {
    "text": "text",
    "number": 42,
    "boolean": True,
    "date": "2025-03-01",
    "datetime": "2025-03-01T09:00:00+01:00",
    "list": ["a", "b"],
}


def example_body(variables: dict[str, str]) -> str:
    """A request body for the curl example, with a sample value for each variable the flow declares."""
    participant: dict = {"identifyBy": {"identifier": "ann@example.com", "type": "EMAIL"}}
    if variables:
        participant["variables"] = {name: SAMPLES.get(kind, "") for name, kind in sorted(variables.items())}
    participant["person"] = {"firstName": "Ann", "lastName": "Lee"}
    return json.dumps({"participants": [participant], "callbackData": "my reference"}, indent=2)


@role_required(MARKETER, STAFF)
def operation_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The flow's operations, newest first, with the endpoint URL and a curl example."""
    flow = get_object_or_404(Flow, pk=pk)
    variables: dict[str, str] = {}
    try:
        variables = flow_target(flow).definition.variables
        readiness = ""
    except FlowApiError as exc:
        readiness = exc.message
    page = Paginator(flow.api_operations.select_related("api_key"), OPERATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "flow": flow,
        "page": page,
        "endpoint": endpoint_url(request, flow),
        "readiness": readiness,
        "entry_type": ENTRY_TYPE,
        "example": example_body(variables),
    }
    return render(request, "flow_api/operation_list.html", context)


@role_required(MARKETER, STAFF)
def operation_detail(request: HttpRequest, pk: int, operation: str) -> HttpResponse:
    """One operation: each participant as sent, its status and reason, and the person it became."""
    flow = get_object_or_404(Flow, pk=pk)
    found = get_object_or_404(FlowApiOperation.objects.select_related("api_key"), flow=flow, uuid=operation)
    rows = found.participants.select_related("person").order_by("index")
    context = {"flow": flow, "operation": found, "rows": rows, "endpoint": endpoint_url(request, flow)}
    return render(request, "flow_api/operation_detail.html", context)
