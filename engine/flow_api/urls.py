"""Flow API paths, included at the site root: the integrators' endpoints (Infobip's paths) and the pages."""

from django.urls import path

from engine.flow_api import api, views

urlpatterns = [
    # The flow id is read by the view, so "abc" or an id past 64 bits gets a JSON 404, not an HTML page.
    path(
        "moments/1/flows/<str:flowId>/participants",
        api.FlowParticipantsApi.as_view(),
        name="flow-api-participants",
    ),
    path(
        "moments/1/flows/<str:flowId>/participants/report",
        api.FlowParticipantsReportApi.as_view(),
        name="flow-api-report",
    ),
    path("api-keys/", views.api_key_list, name="api-key-list"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api-key-revoke"),
    path("flows/<int:pk>/api-operations/", views.operation_list, name="flow-api-operations"),
    path(
        "flows/<int:pk>/api-operations/<uuid:operation>/",
        views.operation_detail,
        name="flow-api-operation",
    ),
]
