"""The gateways' webhooks (docs/api.md, "Gateway webhooks"): plain Django views, POST only, no session or CSRF
(gateways sign each body with the channel's secret instead). Thin: find the channel, hand the raw body to
messaging.inbound, answer JSON."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.inbound import WebhookRefused, call_receive, inbound_receive, reports_receive, too_large_reason
from messaging.models import Channel

Receiver = Callable[[Channel, bytes, dict], object]


def _answer(request: HttpRequest, uuid, kinds: tuple[str, ...], receive: Receiver) -> JsonResponse:
    channel = Channel.objects.filter(uuid=uuid, active=True, kind__in=kinds).first()
    if channel is None:
        return JsonResponse({"detail": "No active channel of this kind has this URL."}, status=404)
    # Refused from the header, before the body is read (the ASGI layer refuses it too: limits.py).
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > settings.WEBHOOK_MAX_BYTES:
        return JsonResponse({"detail": too_large_reason()}, status=413)
    # At most one byte over the limit is read (messaging.inbound answers 413 for it), whatever the body
    # claims; request.body would apply Django's form limit instead.
    body = request.read(settings.WEBHOOK_MAX_BYTES + 1)
    try:
        result = receive(channel, body, request.headers)
    except WebhookRefused as exc:
        return JsonResponse({"detail": exc.reason}, status=exc.status)
    return JsonResponse(result.as_json())


@csrf_exempt
@require_POST
def inbound(request: HttpRequest, uuid) -> JsonResponse:
    """Inbound messages: SMS as JSON, email as the raw RFC 822 message. 200 {"received", "duplicates"}."""
    return _answer(request, uuid, (Channel.Kind.SMS, Channel.Kind.EMAIL), inbound_receive)


@csrf_exempt
@require_POST
def reports(request: HttpRequest, uuid) -> JsonResponse:
    """Delivery reports of our outbound messages. 200 {"updated", "unknown"}."""
    return _answer(request, uuid, tuple(Channel.Kind.values), reports_receive)


@csrf_exempt
@require_POST
def calls(request: HttpRequest, uuid) -> JsonResponse:
    """An incoming call on a voice channel. 200 {"received", "duplicates"}."""
    return _answer(request, uuid, (Channel.Kind.VOICE,), call_receive)
