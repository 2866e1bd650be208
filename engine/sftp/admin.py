"""SFTP connections in the Django admin, with the pages' rules: secrets write-only, no change or delete
while an active flow uses the connection. Imported files are shown read-only."""

from django.contrib import admin

from engine.sftp import services
from engine.sftp.forms import SftpConnectionForm
from engine.sftp.models import SftpConnection, SftpFile


@admin.register(SftpConnection)
class SftpConnectionAdmin(admin.ModelAdmin):
    form = SftpConnectionForm
    list_display = [
        "name",
        "host",
        "port",
        "username",
        "host_key_fingerprint",
        "last_test_ok",
        "last_tested_at",
    ]
    search_fields = ["name", "host", "username"]
    readonly_fields = ["host_key_fingerprint", "last_tested_at", "last_test_ok", "last_test_message"]

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and services.connection_in_use(obj, "deleted"):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        services.connection_save(connection=obj)

    def delete_model(self, request, obj) -> None:
        services.connection_delete(connection=obj)

    def delete_queryset(self, request, queryset) -> None:
        for connection in queryset:
            services.connection_delete(connection=connection)


@admin.register(SftpFile)
class SftpFileAdmin(admin.ModelAdmin):
    list_display = ["remote_path", "flow", "node_id", "status", "rows_total", "rows_valid", "rows_invalid"]
    list_filter = ["status"]
    search_fields = ["remote_path", "name"]
    readonly_fields = [f.name for f in SftpFile._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
