from django.contrib import admin

from .models import PersonEvent


@admin.register(PersonEvent)
class PersonEventAdmin(admin.ModelAdmin):
    """The record of changes to people: read only (people/transitions.py writes it)."""

    list_display = ("at", "person", "action", "detail", "actor")
    list_filter = ("action",)
    search_fields = ("person__username", "person__email", "detail")
    list_select_related = ("person", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
