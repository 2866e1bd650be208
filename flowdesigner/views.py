"""Pages of the designer app: home, flow list, flow detail (status, entry points, launch, deliveries), canvas.

The flow page's engine parts (status buttons, entry points, real-time audience) come from engine.views."""

from django import forms
from django.contrib import messages
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from engine import emails as engine_emails
from engine import services as engine_services
from engine.models import CallbackDelivery, Launch, ResultsEmail
from engine.reports import selectors as reports_selectors
from engine.views import PokeForm, flow_page_context
from flowdesigner import services
from flowdesigner.launching import LaunchForm, audience_count, people_count
from flowdesigner.models import Flow, FlowVersion
from flowdesigner.publish_state import publish_state, status_label
from flowdesigner.roles import END_USER, MARKETER, STAFF, has_role, role_required


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if has_role(request.user, MARKETER, STAFF):
        return redirect("flow-list")
    if has_role(request.user, END_USER):
        return redirect("inbox")
    return render(request, "no_role.html", status=403)


class FlowCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    callback_url = forms.URLField(max_length=500, required=False, assume_scheme="https")


@require_http_methods(["GET", "POST"])
@role_required(MARKETER, STAFF)
def flow_list(request):
    form = FlowCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not has_role(request.user, MARKETER):
            messages.error(request, "Only marketers can create flows.")
            return redirect("flow-list")
        if form.is_valid():
            flow = services.flow_create(user=request.user, **form.cleaned_data)
            return redirect("flow-design", pk=flow.pk)
    flows = list(Flow.objects.prefetch_related("versions").order_by("-updated_at"))
    for flow in flows:
        latest = next(iter(flow.versions.all()), None)  # prefetched newest first (FlowVersion.Meta)
        flow.publish = publish_state(flow, latest)
        flow.status_label = status_label(flow, flow.publish)
    return render(request, "flowdesigner/flow_list.html", {"flows": flows, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(MARKETER, STAFF)
def flow_detail(request, pk: int):
    flow = get_object_or_404(Flow, pk=pk)
    version = flow.latest_version
    form = LaunchForm(request.POST if request.method == "POST" else None)
    confirm_count = None
    if request.method == "POST":
        if not has_role(request.user, STAFF):
            messages.error(request, "Only staff can launch flows.")
            return redirect("flow-detail", pk=pk)
        if version is None:
            messages.error(request, "Publish the flow before launching it.")
        elif form.is_valid():
            outcome = _launch_if_confirmed(request, form, version)
            if isinstance(outcome, Launch):
                return redirect("flow-detail", pk=pk)
            confirm_count = outcome
    publish = publish_state(flow, version)
    context = {
        "flow": flow,
        "version": version,
        "publish": publish,
        "flow_status": status_label(flow, publish),
        "versions": flow.versions.order_by("-number"),
        "form": form,
        # Set when the launch waits for confirming this audience size (the page asks before launching).
        "confirm_count": confirm_count,
        "confirm_people": people_count(confirm_count) if confirm_count else "",
        # The form's values again, as hidden inputs of the confirmation's own form.
        "confirm_fields": _submitted_values(form) if confirm_count else [],
        # Asked again: the audience's size changed after the person saw it.
        "confirm_changed": confirm_count is not None and form.cleaned_data.get("confirmed_count") is not None,
        "launches": [launch for v in flow.versions.all() for launch in v.launches.all()][:20],
        "deliveries": CallbackDelivery.objects.filter(flow=flow).prefetch_related("attempt_log")[:50],
        "can_launch": has_role(request.user, STAFF),
        "can_design": has_role(request.user, MARKETER),
        "results_emails": ResultsEmail.objects.filter(flow=flow)[:50],
        "pokes": flow.pokes.all(),
        "poke_form": PokeForm(),
        "exit_counts": reports_selectors.exit_totals(flow),
        **flow_page_context(request, flow),
    }
    return render(request, "flowdesigner/flow_detail.html", context)


def _submitted_values(form: forms.Form) -> list[tuple[str, str]]:
    """The (name, value) pairs a bound form was submitted with: its own fields, confirmed_count aside."""
    names = [name for name in form.fields if name != "confirmed_count"]
    return [(name, value) for name in names for value in form.data.getlist(name)]


def _launch_if_confirmed(request, form: LaunchForm, version: FlowVersion) -> Launch | int | None:
    """Launch the form's audience if the person confirmed its current size, and return the launch.
    Otherwise the size to ask about (first time, or the audience changed since they saw it), or None
    when the launch was refused (the reason is flashed)."""
    audience = form.audience_dict()
    try:
        count = audience_count(version, audience)
        if count and form.cleaned_data["confirmed_count"] != count:
            return count
        # Nobody in the audience is not asked about: launch_create refuses it with its own reason.
        launch = engine_services.launch_create(
            version=version,
            audience=audience,
            launch_tag=form.cleaned_data["launch_tag"],
            context=form.cleaned_data["context"],
            user=request.user,
        )
    except engine_services.LaunchRefused as exc:
        messages.error(request, str(exc))
        return None
    messages.success(request, f"Launching version {version.number} to {people_count(launch.total)}.")
    return launch


@require_POST
@role_required(STAFF)
def results_email_retry(request, pk: int, email_id: int):
    """Send a failed results email of this flow again."""
    try:
        engine_emails.results_email_retry(email_id=email_id, flow_id=pk)
    except engine_emails.EmailRetryRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The results email is queued to be sent again.")
    return redirect("flow-detail", pk=pk)


@role_required(MARKETER)
def flow_design(request, pk: int):
    flow = get_object_or_404(Flow, pk=pk)
    config = {
        "flowId": flow.pk,
        "flowName": flow.name,
        "csrfToken": get_token(request),
        "apiBase": "/api/",
        "flowsUrl": reverse("flow-detail", args=[flow.pk]),
    }
    return render(request, "flowdesigner/designer.html", {"flow": flow, "designer_config": config})
