"""Full-text search storage and the wiki-link table.

The search storage differs by database: on PostgreSQL the `SearchEntry` table (a stored,
GIN-indexed tsvector); on SQLite an FTS5 virtual table. Django's migration state holds
`SearchEntry` on both, so the models agree everywhere; only the database work differs.
Existing procedures are indexed here (titles, and approved text where there is some).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


def create_search_storage(apps, schema_editor):
    from procedures.search import backend_for, plain_text

    backend = backend_for(schema_editor.connection)
    backend.create_storage(schema_editor, apps.get_model("procedures", "SearchEntry"))
    Procedure = apps.get_model("procedures", "Procedure")
    rows = [
        (pk, title, plain_text(body_html) if status == "approved" else "")
        for pk, title, body_html, status in Procedure.objects.values_list(
            "pk", "title", "current_revision__body_html", "current_revision__status"
        )
    ]
    backend.write(rows)


def drop_search_storage(apps, schema_editor):
    from procedures.search import backend_for

    backend_for(schema_editor.connection).drop_storage(
        schema_editor, apps.get_model("procedures", "SearchEntry")
    )


class Migration(migrations.Migration):

    dependencies = [
        ("procedures", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProcedureLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("target_key", models.CharField(help_text="Normalised text inside [[ ]].", max_length=300)),
                ("source", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="outgoing_links", to="procedures.procedure")),
                ("target", models.ForeignKey(blank=True, help_text="Empty while the link is broken or ambiguous.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="incoming_links", to="procedures.procedure")),
            ],
            options={
                "indexes": [models.Index(fields=["target_key"], name="link_by_target_key")],
                "constraints": [models.UniqueConstraint(fields=("source", "target_key"), name="link_once_per_source")],
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchEntry",
                    fields=[
                        ("procedure", models.OneToOneField(on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name="+", serialize=False, to="procedures.procedure")),
                        ("title", models.TextField()),
                        ("body", models.TextField(blank=True)),
                        ("vector", models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector("title", config="english", weight="A"), "||", django.contrib.postgres.search.SearchVector("body", config="english", weight="B"), django.contrib.postgres.search.SearchConfig("english")), output_field=django.contrib.postgres.search.SearchVectorField())),
                        ("title_vector", models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.SearchVector("title", config="english"), output_field=django.contrib.postgres.search.SearchVectorField())),
                    ],
                    options={
                        "indexes": [django.contrib.postgres.indexes.GinIndex(fields=["vector"], name="search_entry_vector")],
                    },
                ),
            ],
            # The table (or FTS5 table) is made by the next operation, per database.
            database_operations=[],
        ),
        migrations.RunPython(create_search_storage, drop_search_storage),
    ]
