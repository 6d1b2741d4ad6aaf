"""Full-text search storage and the wiki-link table.

The search storage differs by database: on PostgreSQL the `SearchEntry` table (a stored,
GIN-indexed tsvector); on SQLite an FTS5 virtual table. Django's migration state holds
`SearchEntry` on both, so the models agree everywhere; only the database work differs.
Existing procedures are indexed here (titles, and approved text where there is some).
"""

import html
import re

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


# A frozen copy of what procedures.search did when this migration was written: a migration
# must do the same thing forever, whatever later becomes of the live code.

_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|code|del|em|i|ins|kbd|mark|s|small|span|strong|sub|sup)\b"
    r"(?:[^>\"]|\"[^\"]*\")*>",
    re.I,
)
_HEADERLINK = re.compile(r'<a class="headerlink"(?:[^>"]|"[^"]*")*>.*?</a>', re.S)
_ANY_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def _plain_text(body_html):
    text = _HEADERLINK.sub("", body_html or "")
    text = _ANY_TAG.sub(" ", _INLINE_TAG.sub("", text))
    text = _CONTROL.sub(" ", html.unescape(text))
    return _SPACES.sub(" ", text).strip()


POSTGRES_SYNC_FUNCTION = """
CREATE OR REPLACE FUNCTION procedures_search_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO procedures_searchentry (procedure_id, title, body)
    VALUES (NEW.id, NEW.title, '')
    ON CONFLICT (procedure_id) DO UPDATE SET title = EXCLUDED.title;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE procedures_searchentry SET title = NEW.title WHERE procedure_id = NEW.id;
  ELSE
    DELETE FROM procedures_searchentry WHERE procedure_id = OLD.id;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_SYNC_TRIGGER = """
CREATE TRIGGER procedures_search_sync
AFTER INSERT OR DELETE OR UPDATE OF title ON procedures_procedure
FOR EACH ROW EXECUTE FUNCTION procedures_search_sync()
"""
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


def create_search_storage(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    Procedure = apps.get_model("procedures", "Procedure")
    rows = [
        (pk, title, _plain_text(body_html) if status == "approved" else "")
        for pk, title, body_html, status in Procedure.objects.values_list(
            "pk", "title", "current_revision__body_html", "current_revision__status"
        )
    ]
    if vendor == "postgresql":
        schema_editor.create_model(apps.get_model("procedures", "SearchEntry"))
        schema_editor.execute(
            "ALTER TABLE procedures_searchentry "
            "ALTER COLUMN vector SET STORAGE MAIN, ALTER COLUMN body SET STORAGE EXTERNAL"
        )
        schema_editor.execute("ALTER TABLE procedures_searchentry SET (toast_tuple_target = 8160)")
        schema_editor.execute(POSTGRES_SYNC_FUNCTION)
        schema_editor.execute("DROP TRIGGER IF EXISTS procedures_search_sync ON procedures_procedure")
        schema_editor.execute(POSTGRES_SYNC_TRIGGER)
        insert = (
            "INSERT INTO procedures_searchentry (procedure_id, title, body) VALUES (%s, %s, %s) "
            "ON CONFLICT (procedure_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE procedures_search_fts USING fts5("
            "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        for trigger in SQLITE_TRIGGERS:
            schema_editor.execute(trigger)
        insert = "INSERT INTO procedures_search_fts (rowid, title, body) VALUES (%s, %s, %s)"
    else:
        raise NotImplementedError(f"No full-text search for {vendor} databases.")
    if rows:
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(insert, rows)


def drop_search_storage(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS procedures_search_sync ON procedures_procedure")
        schema_editor.execute("DROP FUNCTION IF EXISTS procedures_search_sync()")
        schema_editor.delete_model(apps.get_model("procedures", "SearchEntry"))
    else:
        for name in ("insert", "rename", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS procedures_search_fts_{name}")
        schema_editor.execute("DROP TABLE IF EXISTS procedures_search_fts")


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
