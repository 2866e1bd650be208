"""The gateways' webhooks, included under /webhooks/ (flowdesigner/urls.py)."""

from django.urls import path

from messaging import webhooks

urlpatterns = [
    path("<uuid:uuid>/inbound/", webhooks.inbound, name="webhook-inbound"),
    path("<uuid:uuid>/reports/", webhooks.reports, name="webhook-reports"),
    path("<uuid:uuid>/calls/", webhooks.calls, name="webhook-calls"),
]
