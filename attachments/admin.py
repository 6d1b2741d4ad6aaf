from django.contrib import admin

from .models import Attachment, RevisionAttachment


class RevisionAttachmentInline(admin.TabularInline):
    model = RevisionAttachment
    extra = 0
    can_delete = False
    readonly_fields = ["revision", "uploaded_here", "in_text", "position"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only: files are stored by uploads and kept while anything refers to them."""

    list_display = ["name", "kind", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["name", "sha256"]
    readonly_fields = [f.name for f in Attachment._meta.fields]
    inlines = [RevisionAttachmentInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
