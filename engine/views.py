"""Engine pages: pokes (the action link a person opens at /p/<code>/, also what a QR code holds, the QR
code PNG, the flow page's forms to add and (de)activate pokes); the flow page's staff forms to activate,
pause and finish a flow and to add or remove people of a real-time audience by hand; the entry points a
flow page lists; and the frequency cap settings page."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from engine import activation, entries, pokes
from engine.definitions import LaunchRefused
from engine.entry_points import version_entry_points
from engine.models import EntryRefusal, FrequencyCap, Participant, Poke
from flowdesigner.models import Flow
from flowdesigner.roles import END_USER, MARKETER, STAFF, has_role, role_required
from people.models import Person
from people.selectors import person_find


def poke_link_url(request: HttpRequest, poke: Poke, *, via_qr: bool = False) -> str:
    """The absolute action link of a poke; a QR code's link says so (?via=qr) for the callback's source."""
    return request.build_absolute_uri(reverse("poke-link", args=[poke.code]) + ("?via=qr" if via_qr else ""))


@require_http_methods(["GET", "POST"])
@login_required
def poke_link(request, code: str):
    """GET: the poke's label and a "Start" button (a GET never starts anything, so a refresh or a link
    preview cannot start the flow twice). POST: start it and go to the inbox."""
    poke = Poke.objects.select_related("flow").filter(code=code, active=True).first()
    if poke is None:
        return render(request, "engine/poke_link.html", {"missing": True}, status=404)
    source = "qr" if (request.POST.get("via") or request.GET.get("via")) == "qr" else "link"
    context = {"poke": poke, "via": source}
    person = getattr(request.user, "person", None)
    if person is None or not has_role(request.user, END_USER):
        context["error"] = "This link starts a service in your inbox, and your account has no inbox."
        return render(request, "engine/poke_link.html", context, status=403)
    if poke.flow.latest_version is None:
        context["error"] = f"{poke.label} is not available yet. Please try again later."
        return render(request, "engine/poke_link.html", context, status=409)
    if request.method == "POST":
        try:
            result = pokes.poke_start(poke=poke, person=person, source=source)
        except pokes.PokeRefused as exc:
            context["error"] = str(exc)
            return render(request, "engine/poke_link.html", context, status=409)
        messages.success(
            request,
            f"Started {poke.label}." if result.started else f"{poke.label} has just been started.",
        )
        return redirect("inbox")
    return render(request, "engine/poke_link.html", context)


@role_required(MARKETER, STAFF)
def poke_qr(request, code: str):
    """A PNG QR code holding the poke's action link, to print or put on a web page."""
    poke = get_object_or_404(Poke, code=code)
    response = HttpResponse(
        pokes.poke_qr_png(poke_link_url(request, poke, via_qr=True)), content_type="image/png"
    )
    response["Content-Disposition"] = f'inline; filename="poke-{poke.tag}.png"'
    response["Cache-Control"] = "private, max-age=300"
    return response


class PokeForm(forms.ModelForm):
    class Meta:
        model = Poke
        fields = ["tag", "label", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


@require_POST
@role_required(MARKETER, STAFF)
def poke_create(request, pk: int):
    """The flow page's "Add poke" form."""
    flow = get_object_or_404(Flow, pk=pk)
    form = PokeForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())
        messages.error(request, f"The poke was not added. {errors}")
        return redirect("flow-detail", pk=pk)
    try:
        poke = pokes.poke_create(flow=flow, **form.cleaned_data)
    except pokes.PokeRefused as exc:
        messages.error(request, f"The poke was not added. {exc}")
    else:
        messages.success(request, f"Poke {poke.tag!r} added.")
    return redirect("flow-detail", pk=pk)


@require_POST
@role_required(MARKETER, STAFF)
def poke_active(request, code: str):
    """Deactivate (active=0) or reactivate (active=1) a poke from the flow page."""
    poke = get_object_or_404(Poke.objects.select_related("flow"), code=code)
    pokes.poke_update(poke=poke, active=request.POST.get("active") == "1")
    messages.success(request, f"Poke {poke.tag!r} {'activated' if poke.active else 'deactivated'}.")
    return redirect("flow-detail", pk=poke.flow_id)


def flow_page_context(request: HttpRequest, flow: Flow) -> dict:
    """What the flow page shows of the engine besides launches: the status buttons, the entry points of
    the version people enter (the active one, else the latest published), the real-time audience panel
    and the latest refusals."""
    version = entries.active_version(flow) or flow.latest_version
    rows = version_entry_points(version) if version is not None else []
    realtime = flow.status == Flow.Status.ACTIVE and any(row.realtime for row in rows)
    context = {
        "entry_version": version,
        "entry_points": rows,
        "status_actions": status_actions(flow) if has_role(request.user, STAFF) else [],
        "realtime_audience": realtime,
        "refusals": EntryRefusal.objects.filter(flow=flow).select_related("person")[:20],
    }
    if realtime:
        context["in_flow"] = people_in_flow(flow, page=request.GET.get("in_flow_page"))
        context["audience_form"] = AudiencePersonForm()
    return context


def people_in_flow(flow: Flow, *, page: str | None) -> Page:
    """One page of the participants still in the flow (active or waiting), newest first."""
    live = (
        Participant.objects.filter(version__flow=flow, status__in=entries.LIVE)
        .select_related("person", "version")
        .order_by("-created_at", "-id")
    )
    return Paginator(live, 25).get_page(page)


# --- activate, pause, finish ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusAction:
    """A status button of the flow page: its URL name is flow-<name>; `confirm` asks before posting."""

    name: str
    label: str
    confirm: str = ""

    @property
    def url_name(self) -> str:
        return f"flow-{self.name}"


# Which action each status offers, and from which statuses each action is allowed.
ACTIONS = {
    "activate": StatusAction("activate", "Activate"),
    "pause": StatusAction("pause", "Pause"),
    "finish": StatusAction(
        "finish", "Finish", "Finish this flow for good? Nobody new will ever enter it; people in it go on."
    ),
}
ALLOWED_FROM = {
    "activate": {Flow.Status.DRAFT, Flow.Status.PAUSED, Flow.Status.ACTIVE},
    "pause": {Flow.Status.ACTIVE},
    "finish": {Flow.Status.ACTIVE, Flow.Status.PAUSED},
}
REFUSED = {
    "activate": "This flow is {status}: it cannot be activated again.",
    "pause": "Only an active flow can be paused; this one is {status}.",
    "finish": "Only an active or paused flow can be finished; this one is {status}.",
}
DONE = {
    "activate": "The flow is active: version {version} takes people through its entry points.",
    "pause": "The flow is paused: nobody new enters; people already in it go on.",
    "finish": "The flow is finished: nobody new will enter; people already in it go on to its end.",
}


def status_actions(flow: Flow) -> list[StatusAction]:
    """The buttons the flow's status offers staff (Activate is not offered to an active flow)."""
    return [
        action
        for name, action in ACTIONS.items()
        if flow.status in ALLOWED_FROM[name]
        and not (name == "activate" and flow.status == Flow.Status.ACTIVE)
    ]


SERVICES = {
    "activate": activation.flow_activate,
    "pause": activation.flow_pause,
    "finish": activation.flow_finish,
}


@require_POST
@role_required(STAFF)
def flow_status_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The flow page's Activate / Pause / Finish buttons."""
    flow = get_object_or_404(Flow, pk=pk)
    if flow.status not in ALLOWED_FROM[action]:
        messages.error(request, REFUSED[action].format(status=flow.get_status_display().lower()))
        return redirect("flow-detail", pk=pk)
    try:
        flow = SERVICES[action](flow_id=pk)
    except LaunchRefused as exc:
        messages.error(request, str(exc))
    else:
        version = flow.latest_version
        messages.success(request, DONE[action].format(version=version.number if version else "?"))
    return redirect("flow-detail", pk=pk)


# --- a real-time audience by hand -----------------------------------------------------------------------


class AudiencePersonForm(forms.Form):
    person = forms.CharField(
        max_length=254,
        label="Email, phone or external id",
        widget=forms.TextInput(attrs={"placeholder": "ann@example.com, +32 470 12 34 56 or an external id"}),
    )

    def clean_person(self) -> Person:
        person = person_find(self.cleaned_data["person"])
        if person is None:
            raise forms.ValidationError("Nobody has this email address, phone number or external id.")
        return person


def _audience_url(flow_id: int) -> str:
    return reverse("flow-detail", args=[flow_id]) + "#audience"


@require_POST
@role_required(STAFF)
def flow_audience_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The real-time audience panel's "Add" form."""
    flow = get_object_or_404(Flow, pk=pk)
    form = AudiencePersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nobody was added. " + " ".join(form.errors["person"]))
        return redirect(_audience_url(pk))
    person = form.cleaned_data["person"]
    try:
        entry = entries.audience_add(flow=flow, person=person)
    except entries.EntryRefused as exc:
        messages.error(request, f"Nobody was added. {exc}")
    else:
        if entry.participant is None:
            messages.error(request, f"{person} was not added: {entry.refusal}")
        else:
            messages.success(request, f"{person} entered the flow.")
    return redirect(_audience_url(pk))


@require_POST
@role_required(STAFF)
def flow_audience_remove(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    """The Remove button of a person in the flow."""
    flow = get_object_or_404(Flow, pk=pk)
    person = get_object_or_404(Person, pk=person_id)
    if entries.audience_remove(flow=flow, person=person, by=request.user.get_username()):
        messages.success(request, f"{person} was removed from the flow.")
    else:
        messages.error(request, f"{person} is not in this flow (any more).")
    return redirect(_audience_url(pk))


# --- frequency cap --------------------------------------------------------------------------------------

# Ten years: a longer window would overflow date arithmetic and means nothing to anyone.
MAX_PERIOD_HOURS = 10 * 365 * 24
HOURS = {FrequencyCap.Unit.HOURS: 1, FrequencyCap.Unit.DAYS: 24, FrequencyCap.Unit.WEEKS: 24 * 7}


class FrequencyCapForm(forms.ModelForm):
    max_entries = forms.IntegerField(
        min_value=1,
        max_value=1000,
        label="At most this many entries per person",
        error_messages={"min_value": "Allow at least 1 entry; to allow any number, turn the cap off."},
    )
    period_amount = forms.IntegerField(
        min_value=1, label="Within", error_messages={"min_value": "The period must be at least 1."}
    )

    class Meta:
        model = FrequencyCap
        fields = ["enabled", "max_entries", "period_amount", "period_unit"]
        labels = {"enabled": "Cap how often a person enters flows", "period_unit": "Unit"}

    def clean(self) -> dict:
        data = super().clean()
        amount, unit = data.get("period_amount"), data.get("period_unit")
        if amount and unit and amount * HOURS[unit] > MAX_PERIOD_HOURS:
            self.add_error("period_amount", "The period can be at most 10 years.")
        return data


def frequency_cap_summary(cap: FrequencyCap) -> str:
    """The cap in words, as the settings page and its confirmation say it."""
    if not cap.enabled:
        return "Off: people enter as many flows as their flows' re-entry settings allow."
    entries_word = "entry" if cap.max_entries == 1 else "entries"
    unit = cap.period_unit[:-1] if cap.period_amount == 1 else cap.period_unit
    return (
        f"At most {cap.max_entries} {entries_word} into flows per person within {cap.period_amount} {unit}."
    )


@require_http_methods(["GET", "POST"])
@role_required(STAFF)
def frequency_cap_settings(request: HttpRequest) -> HttpResponse:
    """Staff set the frequency cap across all flows (FrequencyCap, one row)."""
    cap = FrequencyCap.current()
    form = FrequencyCapForm(request.POST if request.method == "POST" else None, instance=cap)
    if request.method == "POST" and form.is_valid():
        cap = form.save()
        messages.success(request, f"Frequency cap saved. {frequency_cap_summary(cap)}")
        return redirect("frequency-cap")
    return render(request, "engine/frequency_cap.html", {"form": form, "summary": frequency_cap_summary(cap)})
