"""Forms: input validation only. Whether a change is allowed is the workflow policy's business."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.conf import settings

from attachments.forms import add_attachment_fields

from . import search
from .models import Procedure, Revision, Section
from .workflow import check_body_size


class CrispyForm(forms.Form):
    """A form laid out by crispy-forms inside the template's own <form> tag."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token


class PreviewForm(CrispyForm):
    """A procedure's Markdown body, within the size limit."""

    body = forms.CharField(
        label="Text (Markdown)",
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 24, "class": "font-monospace draft-body", "spellcheck": "true"}
        ),
        help_text="Headings with #, lists with - or 1., tables, ``` for code, !!! note for boxes.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # static/js/size-guard.js refuses to send a longer text, so it stays in the browser.
        self.fields["body"].widget.attrs["data-max-bytes"] = settings.SOP_MAX_BODY_BYTES

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        check_body_size(body)
        return body


def change_field(help_text: str) -> forms.ChoiceField:
    """Material or minor: whether readers who acknowledged the text must read it again."""
    return forms.ChoiceField(
        label="Kind of change",
        choices=Revision.Change.choices,
        widget=forms.RadioSelect,
        required=False,  # not sent (an older form, autosave of one): as the revision says
        help_text=help_text,
    )


class DraftForm(PreviewForm):
    """The edit form of a draft: Markdown body, change summary, material or minor, the
    version it was opened on."""

    summary = forms.CharField(
        label="Change summary",
        required=False,
        max_length=Revision._meta.get_field("summary").max_length,
        help_text="What changed and why. Needed to submit for review.",
    )
    change = change_field(
        "Material: readers who must acknowledge this procedure read it "
        "again. Minor: their earlier acknowledgements carry forward."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    # "update": save, then bring the draft up to date (its button sits in the out-of-date notice)
    ACTIONS = ("save", "preview", "submit", "update")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field("body"),
            Field("summary"),
            Field("change"),
            "version",
            Div(
                StrictButton("Save draft", type="submit", name="action", value="save",
                             css_class="btn-primary"),
                StrictButton("Preview", type="submit", name="action", value="preview",
                             css_class="btn-outline-secondary"),
                StrictButton("Submit for review", type="submit", name="action", value="submit",
                             css_class="btn-success"),
                css_class="d-flex flex-wrap gap-2 mb-3",
            ),
        )  # fmt: skip
        # The attachments app's plain file field, for editing without JavaScript.
        add_attachment_fields(self)


class StartDraftForm(forms.Form):
    """Which template a draft of a procedure not yet written starts from (none: the default)."""

    template = forms.ModelChoiceField(
        queryset=Procedure.objects.templates(),
        required=False,
        empty_label="The section's default template (or an empty page)",
        label="Start from",
    )


class ProcedureCreateForm(CrispyForm):
    title = forms.CharField(
        max_length=Procedure._meta.get_field("title").max_length,
        help_text="As it should appear in the table of contents.",
    )


class ProcedureCreateConfirmForm(ProcedureCreateForm):
    """The title again, with "yes, even though links become ambiguous" (the warning's button)."""

    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, section) -> str:
        return f"Volume {section.volume.number} · {section.numeral} · {section.title}"


class RenameMoveForm(CrispyForm):
    """A procedure's new title and section (approvers)."""

    title = forms.CharField(max_length=Procedure._meta.get_field("title").max_length)
    section = SectionChoiceField(
        queryset=Section.objects.select_related("volume").order_by("volume__number", "position"),
        empty_label=None,
        error_messages={"invalid_choice": "That section does not exist. Choose one from the list."},
        help_text="Moved to another section, it goes to the end of that section.",
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ArchiveForm(CrispyForm):
    reason = forms.CharField(
        label="Why is it archived?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Readers who open it by its address see this, with the date and your name.",
    )


class ReorderForm(forms.Form):
    """Which row moves (its id) and which way: the reorder page's up and down buttons."""

    item = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class MarkTemplateForm(forms.Form):
    """The procedure page's "Make it a template" / "No longer a template" button."""

    on = forms.TypedChoiceField(choices=[("1", "Mark"), ("0", "Unmark")], coerce=lambda v: v == "1")


class SectionTemplateForm(forms.Form):
    """Which template a section's new procedures start from (the section page's form)."""

    template = forms.ModelChoiceField(
        queryset=Procedure.objects.templates(), empty_label=None,
        error_messages={"invalid_choice": "That is not a template with approved text (or the "
                        "form was changed): nothing changed."},
    )  # fmt: skip


class DecisionForm(CrispyForm):
    """An approver's comment on approving or rejecting (a rejection needs one)."""

    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed to reject: tell the author what to fix.",
    )
    change = change_field(
        "As the author marked it; change it if you disagree. A minor change "
        "carries readers' acknowledgements forward, a material one asks again."
    )


class SubmitForm(forms.Form):
    """Submit a saved draft, optionally giving (or replacing) its summary."""

    summary = DraftForm.base_fields["summary"]


class CompareForm(forms.Form):
    """Which two revisions to compare (`?from=N&to=M`)."""

    from_number = forms.IntegerField(min_value=1)
    to_number = forms.IntegerField(min_value=1)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"from_number": data.get("from"), "to_number": data.get("to")}
        super().__init__(data, **kwargs)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the manual", max_length=search.MAX_QUERY_LENGTH, required=False
    )
