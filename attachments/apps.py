from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "attachments"
    verbose_name = "Screenshots and attachments"

    def ready(self):
        # What the files of a revision are follows its text, wherever the workflow writes it.
        from procedures.workflow.effects import revision_text_written

        from .transitions import record_revision_attachments

        def record(*, revision, **kwargs):
            record_revision_attachments(revision=revision)

        revision_text_written.connect(record, weak=False, dispatch_uid="attachments_record")
