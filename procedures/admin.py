from django import forms
from django.contrib import admin

from .models import Procedure, Revision, RevisionEvent, Section, Volume
from .workflow import effects, title_refusal


class ProcedureAdminForm(forms.ModelForm):
    """The app's rule for titles: single spaces, none another procedure of the section has."""

    class Meta:
        model = Procedure
        fields = ["section", "title", "slug", "position", "is_template", "owner"]

    def clean(self):
        data = super().clean()
        title, section = data.get("title"), data.get("section")
        if title:
            data["title"] = " ".join(title.split())
        if data.get("title") and section:
            refusal = title_refusal(section=section, title=data["title"],
                                    procedure_id=self.instance.pk)  # fmt: skip
            if refusal:
                self.add_error("title", refusal)
        return data


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["numeral", "title", "position"]
    ordering = ["position"]
    show_change_link = True


class ProcedureInline(admin.TabularInline):
    model = Procedure
    form = ProcedureAdminForm
    extra = 0
    fields = ["position", "title", "slug", "owner"]
    ordering = ["position"]
    autocomplete_fields = ["owner"]
    show_change_link = True


class RevisionInline(admin.TabularInline):
    """Revisions, read-only: their status only changes through the workflow."""

    model = Revision
    fk_name = "procedure"
    extra = 0
    fields = ["number", "status", "author", "summary", "reviewer", "reviewed_at"]
    readonly_fields = fields
    ordering = ["-number"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Volume)
class VolumeAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]
    search_fields = ["title"]
    ordering = ["number"]
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "volume", "numeral", "title", "position"]
    list_filter = ["volume"]
    search_fields = ["title", "numeral"]
    ordering = ["volume__number", "position"]
    autocomplete_fields = ["volume"]
    list_select_related = ["volume"]
    inlines = [ProcedureInline]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    form = ProcedureAdminForm
    list_display = [
        "title", "section", "position", "owner", "current_revision", "is_template", "updated_at",
    ]  # fmt: skip
    list_filter = [
        "section__volume", "section", ("current_revision", admin.EmptyFieldListFilter),
        "is_template",
    ]  # fmt: skip
    search_fields = ["title", "slug", "section__title"]
    ordering = ["section__volume__number", "section__position", "position"]
    autocomplete_fields = ["section", "owner"]
    list_select_related = ["section__volume", "owner", "current_revision__procedure"]
    prepopulated_fields = {"slug": ["title"]}
    # The approved revision changes only by approval in the workflow.
    readonly_fields = ["current_revision", "created_at", "updated_at"]
    inlines = [RevisionInline]

    def save_model(self, request, obj, form, change):
        old = Procedure.objects.with_place().filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        # A new, renamed or moved procedure changes what [[links]] to it resolve to; a
        # renamed or moved one keeps its old address (a redirect) as in the app.
        obj = Procedure.objects.with_place().get(pk=obj.pk)
        effects.procedure_moved(obj, old_path=old.path if old else obj.path,
                                old_title=old.title if old else obj.title)  # fmt: skip


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Read-only: revisions are written and decided through the site's workflow."""

    list_display = [
        "procedure",
        "number",
        "status",
        "author",
        "reviewer",
        "created_at",
        "reviewed_at",
    ]
    list_filter = ["status", "procedure__section__volume"]
    search_fields = ["procedure__title", "summary", "author__username"]
    ordering = ["-created_at"]
    list_select_related = ["procedure", "author", "reviewer"]
    autocomplete_fields = ["procedure", "author", "reviewer", "based_on"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RevisionEvent)
class RevisionEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "procedure",
        "revision",
        "action",
        "actor",
        "from_status",
        "to_status",
    ]
    list_filter = ["action"]
    search_fields = ["procedure__title", "actor__username", "comment"]
    ordering = ["-created_at"]
    list_select_related = ["procedure", "revision__procedure", "actor"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
