"""SFTP pages and API, with their full paths (included at the site root)."""

from django.urls import path

from engine.sftp import api, views

urlpatterns = [
    path("sftp/connections/", views.connection_list, name="sftp-connection-list"),
    path("sftp/connections/new/", views.connection_new, name="sftp-connection-new"),
    path("sftp/connections/<int:pk>/", views.connection_edit, name="sftp-connection-edit"),
    path("sftp/connections/<int:pk>/delete/", views.connection_delete, name="sftp-connection-delete"),
    path("sftp/connections/<int:pk>/test/", views.connection_test, name="sftp-connection-test"),
    path(
        "sftp/connections/<int:pk>/forget-host-key/",
        views.connection_forget_host_key,
        name="sftp-connection-forget-key",
    ),
    path("flows/<int:pk>/sftp/", views.flow_report, name="flow-sftp-report"),
    path("flows/<int:pk>/sftp/files/<int:file_pk>/", views.file_detail, name="flow-sftp-file"),
    path(
        "flows/<int:pk>/sftp/files/<int:file_pk>/invalid-rows.csv",
        views.file_invalid_rows_csv,
        name="flow-sftp-file-invalid",
    ),
    path("api/sftp/connections/", api.SftpConnectionListApi.as_view(), name="api-sftp-connections"),
]
