import re

import django.db.models.deletion
from django.db import migrations, models

FROM_REVISION = re.compile(r"^From revision (\d+)$")


def link_restored_rejections(apps, schema_editor):
    """Fill `revises` for revisions already restored from a rejected one: the trail's
    "restored" event says "From revision N"."""
    Revision = apps.get_model("procedures", "Revision")
    RevisionEvent = apps.get_model("procedures", "RevisionEvent")
    restored = RevisionEvent.objects.filter(action="restored", revision__isnull=False)
    for event in restored.iterator():
        match = FROM_REVISION.match(event.comment or "")
        if not match:
            continue
        source = Revision.objects.filter(
            procedure_id=event.procedure_id, number=int(match.group(1)), status="rejected"
        ).first()
        if source is not None:
            Revision.objects.filter(pk=event.revision_id).update(revises=source)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0003_search_and_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="revision",
            name="revises",
            field=models.ForeignKey(
                blank=True,
                help_text="The rejected revision this one was restored from, to revise it: "
                "its review shows the changes since that one (the fix) first.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="procedures.revision",
            ),
        ),
        migrations.RunPython(link_restored_rejections, migrations.RunPython.noop),
    ]
