"""Pages of the designer app: home, flow list, flow detail (status, entry points, launch, deliveries), canvas.

The flow page's engine parts (status buttons, entry points, real-time audience) come from engine.views."""

import re

from django import forms
from django.contrib import messages
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from engine import emails as engine_emails
from engine import services as engine_services
from engine.models import MAX_CONTEXT, CallbackDelivery, ResultsEmail
from engine.reports import selectors as reports_selectors
from engine.views import PokeForm, flow_page_context
from flowdesigner import services
from flowdesigner.models import Flow
from flowdesigner.roles import END_USER, MARKETER, STAFF, has_role, role_required
from people.models import Segment, Tag
from people.selectors import person_find


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
    flows = Flow.objects.prefetch_related("versions").order_by("-updated_at")
    return render(request, "flowdesigner/flow_list.html", {"flows": flows, "form": form})


class LaunchForm(forms.Form):
    AUDIENCES = [
        ("predefined", "The flow's Predefined Audience"),
        ("tag", "Everyone with a tag"),
        ("segment", "Everyone in a segment"),
        ("person", "Hand-picked people"),
        ("everyone", "Everyone"),
    ]
    audience = forms.ChoiceField(choices=AUDIENCES, widget=forms.RadioSelect, initial="predefined")
    tag = forms.ModelChoiceField(queryset=Tag.objects.order_by("name"), required=False)
    segment = forms.ModelChoiceField(queryset=Segment.objects.order_by("name"), required=False)
    person = forms.CharField(
        required=False,
        label="People (email or phone)",
        help_text="One or more email addresses or phone numbers, separated by commas or new lines.",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    launch_tag = forms.CharField(required=False, max_length=100, label="Launch tag (optional)")
    context = forms.CharField(
        required=False,
        max_length=MAX_CONTEXT,
        label="Context (optional)",
        strip=False,
        help_text="Delivered with every participant's results.",
    )

    def clean(self):
        data = super().clean()
        kind = data.get("audience")
        if kind == "tag" and not data.get("tag"):
            self.add_error("tag", "Choose the tag to launch to.")
        if kind == "segment" and not data.get("segment"):
            self.add_error("segment", "Choose the segment to launch to.")
        if kind == "person":
            identifiers = [
                part.strip() for part in re.split(r"[,\n]", data.get("person") or "") if part.strip()
            ]
            found = {identifier: person_find(identifier) for identifier in identifiers}
            unknown = [identifier for identifier, person in found.items() if person is None]
            if not identifiers:
                self.add_error("person", "Enter at least one email address or phone number.")
            elif unknown:
                self.add_error(
                    "person", "Nobody has this email address or phone number: " + ", ".join(unknown)
                )
            data["person_ids"] = sorted({p.pk for p in found.values() if p is not None})
        return data

    def audience_dict(self) -> dict | None:
        data = self.cleaned_data
        return {
            "predefined": None,
            "tag": {"tags": [data["tag"].pk] if data.get("tag") else []},
            "segment": {"segments": [data["segment"].pk] if data.get("segment") else []},
            "person": {"persons": data.get("person_ids", [])},
            "everyone": {"everyone": True},
        }[data["audience"]]


@require_http_methods(["GET", "POST"])
@role_required(MARKETER, STAFF)
def flow_detail(request, pk: int):
    flow = get_object_or_404(Flow, pk=pk)
    version = flow.latest_version
    form = LaunchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not has_role(request.user, STAFF):
            messages.error(request, "Only staff can launch flows.")
            return redirect("flow-detail", pk=pk)
        if version is None:
            messages.error(request, "Publish the flow before launching it.")
        elif form.is_valid():
            try:
                launch = engine_services.launch_create(
                    version=version,
                    audience=form.audience_dict(),
                    launch_tag=form.cleaned_data["launch_tag"],
                    context=form.cleaned_data["context"],
                    user=request.user,
                )
            except engine_services.LaunchRefused as exc:
                messages.error(request, str(exc))
            else:
                people = "person" if launch.total == 1 else "people"
                messages.success(request, f"Launching version {version.number} to {launch.total} {people}.")
                return redirect("flow-detail", pk=pk)
    context = {
        "flow": flow,
        "version": version,
        "versions": flow.versions.order_by("-number"),
        "form": form,
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
