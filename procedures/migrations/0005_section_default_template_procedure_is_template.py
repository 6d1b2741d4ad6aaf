from django.db import migrations, models

# Adding a NOT NULL column makes SQLite rebuild procedures_procedure, which drops the
# triggers that keep the search index in step (0003_search_and_links): put them back, on
# the way forward and on the way back. A copy, as migrations never import live code.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS procedures_search_fts_insert "
    "AFTER INSERT ON procedures_procedure BEGIN "
    "DELETE FROM procedures_search_fts WHERE rowid = new.id; "
    "INSERT INTO procedures_search_fts (rowid, title, body) "
    "VALUES (new.id, new.title, ''); END",
    "CREATE TRIGGER IF NOT EXISTS procedures_search_fts_rename "
    "AFTER UPDATE OF title ON procedures_procedure "
    "WHEN old.title IS NOT new.title BEGIN "
    "UPDATE procedures_search_fts SET title = new.title WHERE rowid = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS procedures_search_fts_delete "
    "AFTER DELETE ON procedures_procedure BEGIN "
    "DELETE FROM procedures_search_fts WHERE rowid = old.id; END",
]


def reinstall_sqlite_search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL keeps its triggers through ALTER TABLE
    for trigger in SQLITE_TRIGGERS:
        schema_editor.execute(trigger)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0004_revision_revises"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_sqlite_search_triggers),
        migrations.AddField(
            model_name="procedure",
            name="is_template",
            field=models.BooleanField(
                default=False,
                help_text="Offer its approved text as a template to start new procedures from.",
            ),
        ),
        migrations.AddField(
            model_name="section",
            name="default_template",
            field=models.TextField(
                blank=True,
                help_text="Markdown a new procedure of this section starts from (e.g. Purpose, Scope, Steps, Checklist, Escalation). Empty: new procedures start empty.",
            ),
        ),
        migrations.RunPython(reinstall_sqlite_search_triggers, migrations.RunPython.noop),
    ]
