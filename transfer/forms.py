from django import forms


class ImportForm(forms.Form):
    archive = forms.FileField(
        label="Archive",
        help_text="A ZIP of Markdown (.md) or Word (.docx) files laid out as exported: "
        "01-volume/02-section/03-procedure.md. Each file becomes a new draft.",
    )
