from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from engine import api as engine_api
from engine import api_pokes, api_simulator
from engine import views as engine_views
from engine.reports import api as reports_api
from engine.reports import views as reports_views
from engine.reports import views_performance as reports_performance
from flowdesigner import api as flow_api
from flowdesigner import api_branding, api_launch, views_branding
from flowdesigner import views as flow_views
from messaging import api as messaging_api
from messaging import api_channels
from messaging import views as messaging_views
from messaging import views_channels as channel_views
from messaging import views_simulator as simulator_views
from people import api as people_api
from people import views as people_views
from people import views_imports as import_views
from people import views_manage as manage_views
from people import views_segments as segment_views
from people.api import events as people_events_api
from people.api import imports as people_imports_api

router = DefaultRouter()
router.register("persons", people_api.PersonViewSet, basename="api-person")
router.register("tags", people_api.TagViewSet, basename="api-tag")
router.register("brandings", api_branding.BrandingViewSet, basename="api-branding")
router.register("companies", people_api.CompanyViewSet, basename="api-company")
router.register("attributes", people_api.AttributeDefinitionViewSet, basename="api-attribute")
router.register("segments", people_api.SegmentViewSet, basename="api-segment")
router.register("imports", people_imports_api.PersonImportViewSet, basename="api-import")
router.register(
    "event-definitions", people_events_api.EventDefinitionViewSet, basename="api-event-definition"
)

api_urlpatterns = [
    path("", include(router.urls)),
    path("element-types/", flow_api.ElementTypeListApi.as_view(), name="element-types"),
    path("flows/", flow_api.FlowListCreateApi.as_view(), name="api-flow-list"),
    path("flows/entries/", flow_api.FlowEntryListApi.as_view(), name="api-flow-entries"),
    path("flows/validate/", flow_api.FlowValidateApi.as_view(), name="api-flow-validate"),
    path("flows/import/", flow_api.FlowImportApi.as_view(), name="api-flow-import"),
    path("flows/<int:pk>/export/", flow_api.FlowExportApi.as_view(), name="api-flow-export"),
    path("flows/<int:pk>/", flow_api.FlowDetailApi.as_view(), name="api-flow-detail"),
    path("flows/<int:pk>/draft/", flow_api.FlowDraftSaveApi.as_view(), name="api-flow-draft"),
    path("flows/<int:pk>/publish/", flow_api.FlowPublishApi.as_view(), name="api-flow-publish"),
    path("flows/<int:pk>/versions/", flow_api.FlowVersionListApi.as_view(), name="api-flow-versions"),
    path(
        "flows/<int:pk>/versions/<int:number>/",
        flow_api.FlowVersionDetailApi.as_view(),
        name="api-flow-version",
    ),
    path(
        "flows/<int:pk>/versions/<int:number>/restore/",
        flow_api.FlowVersionRestoreApi.as_view(),
        name="api-flow-version-restore",
    ),
    path("flows/<int:pk>/launches/", engine_api.LaunchCreateApi.as_view(), name="api-launch-create"),
    path(
        "flows/<int:pk>/audience-preview/",
        api_launch.AudiencePreviewApi.as_view(),
        name="api-flow-audience-preview",
    ),
    path("launches/<int:pk>/", engine_api.LaunchDetailApi.as_view(), name="api-launch-detail"),
    path("flows/<int:pk>/report/", reports_api.FlowReportApi.as_view(), name="api-flow-report"),
    path("flows/<int:pk>/report/activity/", reports_api.FlowActivityApi.as_view(), name="api-flow-activity"),
    path(
        "flows/<int:pk>/report/answers/<str:node_id>/",
        reports_api.FormAnswersApi.as_view(),
        name="api-flow-form-answers",
    ),
    path("flows/<int:pk>/participants/", reports_api.ParticipantListApi.as_view(), name="api-participants"),
    path("participants/<int:pk>/", reports_api.ParticipantDetailApi.as_view(), name="api-participant"),
    path("flows/<int:pk>/audience/", engine_api.FlowAudienceAddApi.as_view(), name="api-flow-audience"),
    path(
        "flows/<int:pk>/audience/<int:person_id>/",
        engine_api.FlowAudienceRemoveApi.as_view(),
        name="api-flow-audience-person",
    ),
    path("flows/<int:pk>/pokes/", api_pokes.FlowPokeListCreateApi.as_view(), name="api-flow-pokes"),
    path("flows/<int:pk>/simulate/", api_simulator.FlowSimulateApi.as_view(), name="api-flow-simulate"),
    path("pokes/<slug:code>/", api_pokes.PokeDetailApi.as_view(), name="api-poke-detail"),
    path("inbox/pokes/", api_pokes.InboxPokeListApi.as_view(), name="api-inbox-pokes"),
    path("inbox/pokes/<slug:code>/", api_pokes.InboxPokeStartApi.as_view(), name="api-inbox-poke-start"),
    path("inbox/messages/", messaging_api.InboxMessageListApi.as_view(), name="api-inbox-messages"),
    path("inbox/messages/<int:pk>/answer/", messaging_api.InboxAnswerApi.as_view(), name="api-inbox-answer"),
    path("inbox/uploads/", messaging_api.InboxUploadApi.as_view(), name="api-inbox-uploads"),
    path("channels/", api_channels.ChannelListApi.as_view(), name="api-channels"),
    path("events/", people_events_api.EventIngestApi.as_view(), name="api-events"),
    path(
        "persons/<int:pk>/timeline/",
        people_events_api.PersonTimelineApi.as_view(),
        name="api-person-timeline",
    ),
    path(
        "imports/<int:pk>/rejected.csv",
        people_imports_api.PersonImportRejectedApi.as_view(),
        name="api-import-rejected",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("", flow_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("flows/", flow_views.flow_list, name="flow-list"),
    path("flows/<int:pk>/", flow_views.flow_detail, name="flow-detail"),
    path("flows/<int:pk>/design/", flow_views.flow_design, name="flow-design"),
    path("flows/<int:pk>/performance/", reports_performance.flow_performance, name="flow-performance"),
    path(
        "flows/<int:pk>/results-emails/<int:email_id>/retry/",
        flow_views.results_email_retry,
        name="results-email-retry",
    ),
    path("flows/<int:pk>/participants/", reports_views.participant_list, name="flow-participants"),
    path(
        "flows/<int:pk>/participants.csv", reports_views.participants_export, name="flow-participants-export"
    ),
    path(
        "flows/<int:pk>/participants/<int:participant_id>/",
        reports_views.participant_detail,
        name="flow-participant",
    ),
    path("flows/<int:pk>/pokes/", engine_views.poke_create, name="poke-create"),
    path(
        "flows/<int:pk>/activate/",
        engine_views.flow_status_change,
        {"action": "activate"},
        name="flow-activate",
    ),
    path("flows/<int:pk>/pause/", engine_views.flow_status_change, {"action": "pause"}, name="flow-pause"),
    path("flows/<int:pk>/finish/", engine_views.flow_status_change, {"action": "finish"}, name="flow-finish"),
    path("flows/<int:pk>/audience/", engine_views.flow_audience_add, name="flow-audience-add"),
    path(
        "flows/<int:pk>/audience/<int:person_id>/remove/",
        engine_views.flow_audience_remove,
        name="flow-audience-remove",
    ),
    path("settings/frequency-cap/", engine_views.frequency_cap_settings, name="frequency-cap"),
    path("pokes/<slug:code>/qr.png", engine_views.poke_qr, name="poke-qr"),
    path("pokes/<slug:code>/active/", engine_views.poke_active, name="poke-active"),
    path("p/<slug:code>/", engine_views.poke_link, name="poke-link"),
    path("brandings/", views_branding.branding_list, name="branding-list"),
    path("brandings/<slug:key>/preview/", views_branding.branding_preview, name="branding-preview"),
    path(
        "brandings/<slug:key>/messages/<int:message_id>/",
        views_branding.branding_message,
        name="branding-message",
    ),
    path("brandings/<slug:key>/files/<path:path>", views_branding.branding_file, name="branding-file"),
    path("people/", people_views.person_list, name="person-list"),
    path("people/<int:pk>/", people_views.person_detail, name="person-detail"),
    path("people/new/", people_views.person_create, name="person-create"),
    path("people/<int:pk>/edit/", people_views.person_edit, name="person-edit"),
    path("people/<int:pk>/delete/", people_views.person_delete, name="person-delete"),
    path("people/bulk-tag/", people_views.person_bulk_tag, name="person-bulk-tag"),
    path("people/import/", import_views.import_upload, name="person-import"),
    path("people/import/<int:pk>/", import_views.import_detail, name="person-import-detail"),
    path("people/import/<int:pk>/rejected.csv", import_views.import_rejected, name="person-import-rejected"),
    path("people/export.csv", import_views.person_export, name="person-export"),
    path("people/companies/", manage_views.company_list, name="manage-company-list"),
    path("people/companies/new/", manage_views.company_new, name="manage-company-new"),
    path("people/companies/<int:pk>/edit/", manage_views.company_edit, name="manage-company-edit"),
    path("people/companies/<int:pk>/delete/", manage_views.company_delete, name="manage-company-delete"),
    path("people/tags/", manage_views.tag_list, name="manage-tag-list"),
    path("people/tags/new/", manage_views.tag_new, name="manage-tag-new"),
    path("people/tags/<int:pk>/edit/", manage_views.tag_edit, name="manage-tag-edit"),
    path("people/tags/<int:pk>/delete/", manage_views.tag_delete, name="manage-tag-delete"),
    path("people/attributes/", manage_views.attribute_list, name="manage-attribute-list"),
    path("people/attributes/new/", manage_views.attribute_new, name="manage-attribute-new"),
    path("people/attributes/<int:pk>/edit/", manage_views.attribute_edit, name="manage-attribute-edit"),
    path("people/attributes/<int:pk>/delete/", manage_views.attribute_delete, name="manage-attribute-delete"),
    path("people/events/", manage_views.event_list, name="manage-event-list"),
    path("people/events/new/", manage_views.event_new, name="manage-event-new"),
    path("people/events/<int:pk>/edit/", manage_views.event_edit, name="manage-event-edit"),
    path("people/events/<int:pk>/delete/", manage_views.event_delete, name="manage-event-delete"),
    path("segments/", segment_views.segment_list, name="segment-list"),
    path("segments/new/", segment_views.segment_new, name="segment-new"),
    path("segments/<int:pk>/", segment_views.segment_edit, name="segment-edit"),
    path("inbox/", messaging_views.inbox, name="inbox"),
    path("channels/", channel_views.channel_list, name="channel-list"),
    path("channels/new/", channel_views.channel_new, name="channel-new"),
    path("channels/<int:pk>/", channel_views.channel_edit, name="channel-edit"),
    path("channels/<int:pk>/secret/", channel_views.channel_secret, name="channel-secret"),
    path("channels/<int:pk>/delete/", channel_views.channel_delete, name="channel-delete"),
    path("simulator/", simulator_views.simulator, name="simulator"),
    path("simulator/feed/", simulator_views.simulator_feed, name="simulator-feed"),
    path("simulator/<int:pk>/send/", simulator_views.simulator_send, name="simulator-send"),
    path("messages/unhandled/", channel_views.unhandled_list, name="unhandled-list"),
    path("media/uploads/<uuid:uuid>/<str:name>", messaging_views.upload_file, name="upload-file"),
    path("api/", include(api_urlpatterns)),
    path("webhooks/", include("messaging.urls")),
    # Each of these apps names its own full paths (pages and API).
    path("", include("engine.sftp.urls")),
    path("", include("engine.flow_api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "flowdesigner.errors.bad_request"
handler404 = "flowdesigner.errors.not_found"
