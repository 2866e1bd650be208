"""Pages of pokes: the action link a person opens (/p/<code>/, also what a QR code holds), the QR code
PNG, and the flow page's forms to add and (de)activate pokes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from engine import pokes
from engine.models import Poke
from flowdesigner.models import Flow
from flowdesigner.roles import END_USER, MARKETER, STAFF, has_role, role_required


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
