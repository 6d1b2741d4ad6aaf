from django.contrib import admin

from .models import Client, Run, RunEvent, Schedule, ScheduleEvent, Step


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "active", "external_id"]
    list_filter = ["active"]
    search_fields = ["name", "code", "external_id"]


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = ["position", "group", "state", "na_reason", "note", "changed_by", "changed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    """Read-only: runs change through the run page's transitions, which record each change."""

    list_display = ["pk", "procedure", "client", "status", "ticket", "started_by", "started_at"]
    list_filter = ["status"]
    list_select_related = ["procedure", "client", "started_by"]
    inlines = [StepInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(RunEvent)
class RunEventAdmin(admin.ModelAdmin):
    list_display = ["run", "kind", "user", "at"]
    list_select_related = ["run", "user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    """Read-only: schedules are made and changed on the client's page (checklists'
    transitions), which record each change as a ScheduleEvent."""

    list_display = ["procedure", "client", "frequency", "weekday", "week_of_month", "active"]
    list_filter = ["active", "frequency"]
    list_select_related = ["procedure", "client"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScheduleEvent)
class ScheduleEventAdmin(admin.ModelAdmin):
    list_display = ["schedule", "kind", "user", "at"]
    list_select_related = ["schedule", "user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
