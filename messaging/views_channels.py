"""Channel pages for staff: the list with each channel's webhook URLs, the create/edit form, the webhook
secret (generated on create, shown to staff, regenerated on demand), removing a channel, and the
unhandled inbound messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from flowdesigner.roles import STAFF, role_required
from messaging.forms import ChannelForm
from messaging.models import Channel
from messaging.selectors_channels import channels_with_counts, unhandled_messages, webhook_urls
from messaging.services import channel_remove, channel_secret_regenerate, new_secret

UNHANDLED_PER_PAGE = 50


# --- pages ------------------------------------------------------------------------------------------------


@role_required(STAFF)
def channel_list(request: HttpRequest) -> HttpResponse:
    channels = list(channels_with_counts())
    for channel in channels:
        channel.webhooks = webhook_urls(request, channel)
    return render(request, "messaging/channel_list.html", {"channels": channels})


@role_required(STAFF)
def channel_new(request: HttpRequest) -> HttpResponse:
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        channel = form.save(commit=False)
        channel.secret = new_secret()
        channel.save()
        messages.success(
            request, f"The channel {channel.name} was created: give its gateway the webhook URLs and secret."
        )
        return redirect("channel-edit", pk=channel.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/channel_form.html", {"form": form, "channel": None}, status=status)


@role_required(STAFF)
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk)
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, f"The channel {channel.name} was saved.")
            return redirect("channel-edit", pk=channel.pk)
        # The failed form changed the instance in memory: show what is stored.
        channel = Channel.objects.get(pk=pk)
    context = {
        "form": form,
        "channel": channel,
        "webhooks": webhook_urls(request, channel),
        "message_count": channel.messages.count(),
    }
    return render(request, "messaging/channel_form.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(STAFF)
def channel_secret(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk)
    channel_secret_regenerate(channel=channel)
    messages.success(
        request, "A new secret was generated. The old one no longer works: give the new one to the gateway."
    )
    return redirect("channel-edit", pk=channel.pk)


@role_required(STAFF)
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what removing the channel will do; POST: delete it, or deactivate it when it has messages."""
    channel = get_object_or_404(Channel, pk=pk)
    if request.method == "POST":
        if channel_remove(channel=channel):
            messages.success(request, f"The channel {channel.name} was deleted.")
            return redirect("channel-list")
        messages.success(
            request,
            f"The channel {channel.name} has messages, so it was deactivated instead of deleted: "
            "it sends and receives nothing more.",
        )
        return redirect("channel-edit", pk=channel.pk)
    return render(
        request,
        "messaging/channel_confirm_delete.html",
        {"channel": channel, "message_count": channel.messages.count()},
    )


@role_required(STAFF)
def unhandled_list(request: HttpRequest) -> HttpResponse:
    """Inbound messages no step or flow took, newest first."""
    page = Paginator(unhandled_messages(), UNHANDLED_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "messaging/unhandled_list.html", {"page": page})
