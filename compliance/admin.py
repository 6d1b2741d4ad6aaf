"""The admin for sections' review intervals and procedures' review records. Saving here
calls the same effect as the transitions: readers' cached pages show the new dates."""

from django.contrib import admin

from . import effects
from .models import ProcedureReview, ReminderSent, ReviewEvent, SectionReviewInterval


class _InvalidatesPages(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        effects.review_cycle_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        effects.review_cycle_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        effects.review_cycle_changed()


@admin.register(SectionReviewInterval)
class SectionReviewIntervalAdmin(_InvalidatesPages):
    list_display = ["section", "months"]
    list_select_related = ["section__volume"]


@admin.register(ProcedureReview)
class ProcedureReviewAdmin(_InvalidatesPages):
    list_display = ["procedure", "interval_months", "last_reviewed_at", "last_reviewed_by"]
    list_select_related = ["procedure__section__volume", "last_reviewed_by"]
    raw_id_fields = ["procedure", "last_reviewed_by", "last_reviewed_revision"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "procedure", "action", "actor"]
    list_filter = ["action"]
    list_select_related = ["procedure", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["day", "owner", "procedures", "sent_at"]
    list_select_related = ["owner"]
