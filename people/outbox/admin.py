"""Operators look at the outbox in the Django admin: what is pending, what failed and why."""

from django.contrib import admin

from people.outbox.models import OutboxEvent


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "pending"), ("done", "done"), ("dead", "given up")]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(done_at__isnull=True, dead_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        if self.value() == "dead":
            return queryset.filter(dead_at__isnull=False)
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "topic",
        "created_at",
        "available_at",
        "attempts",
        "done_at",
        "dead_at",
        "last_error",
    ]
    list_filter = [StateFilter, "topic"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    ordering = ["-id"]

    def has_add_permission(self, request):
        return False
