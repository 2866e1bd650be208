"""The gateway simulator page: for each channel carried by the built-in simulator, its conversations per
number or address (what the product sent, as the gateway got it, with its delivery state, and the replies),
and forms to reply, or call, as a number or address. Staff reply; marketers read.

The page refreshes its conversations by polling a small JSON endpoint (simulator_feed), so what staff are
typing in the forms is never lost to a reload."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from flowdesigner.roles import MARKETER, STAFF, has_role, role_required
from messaging.forms import SimulatorForm
from messaging.inbound import WebhookRefused
from messaging.models import Channel
from messaging.selectors_channels import simulator_channels, simulator_conversations
from messaging.transports.simulator import simulator_call, simulator_reply

POLL_SECONDS = 3


def _page(request: HttpRequest, *, bound: SimulatorForm | None = None, status: int = 200) -> HttpResponse:
    """The page; `bound` is a refused form, shown again with its errors in place of that channel's form."""
    sections = []
    for channel in simulator_channels():
        new_form = SimulatorForm(channel=channel)
        call_form = SimulatorForm(channel=channel, call=True) if channel.kind == Channel.Kind.VOICE else None
        if bound is not None and bound.channel.pk == channel.pk:
            if bound.call:
                call_form = bound
            else:
                new_form = bound
        sections.append(
            {
                "channel": channel,
                "conversations": simulator_conversations(channel),
                "new_form": new_form,
                "call_form": call_form,
            }
        )
    context = {
        "sections": sections,
        "can_reply": has_role(request.user, STAFF),
        "feed_config": {"url": reverse("simulator-feed"), "pollSeconds": POLL_SECONDS},
    }
    return render(request, "messaging/simulator.html", context, status=status)


@role_required(MARKETER, STAFF)
def simulator(request: HttpRequest) -> HttpResponse:
    return _page(request)


@role_required(MARKETER, STAFF)
def simulator_feed(request: HttpRequest) -> JsonResponse:
    """The conversations of every simulator channel, for the page's polling:
    {"channels": [{"id", "conversations": [{"address", "person_id", "person_name", "identity", "messages":
    [{"id", "direction", "text", "status", "error", "at", "identity"}]}]}]}."""
    channels = [
        {"id": channel.pk, "conversations": [c.as_json() for c in simulator_conversations(channel)]}
        for channel in simulator_channels()
    ]
    return JsonResponse({"channels": channels})


@require_POST
@role_required(STAFF)
def simulator_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Reply as a number or address (or call, with call=1 on a voice channel) through the channel's webhook
    path, exactly as a gateway would."""
    channel = get_object_or_404(Channel, pk=pk, gateway=Channel.Gateway.SIMULATOR)
    call = request.POST.get("call") == "1" and channel.kind == Channel.Kind.VOICE
    form = SimulatorForm(request.POST, channel=channel, call=call)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if call:
                received = simulator_call(channel, caller=data["sender"], recipient=data["recipient"])
            else:
                received = simulator_reply(
                    channel, sender=data["sender"], recipient=data["recipient"], text=data["text"]
                )
        except WebhookRefused as exc:
            form.add_error(None, f"The webhook refused it ({exc.status}): {exc.reason}")
        except ValueError as exc:  # not a channel the simulator may speak for (kind, gateway)
            form.add_error(None, str(exc))
        else:
            what = "Called" if call else "Sent"
            note = f" ({received.duplicates} duplicate ignored)" if received.duplicates else ""
            messages.success(request, f"{what} from {data['sender']} to {data['recipient']}{note}.")
            return redirect(f"{reverse('simulator')}#channel-{channel.pk}")
    return _page(request, bound=form, status=400)
