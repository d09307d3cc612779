"""The content-version trigger on the tables added for documents and agreements (see 0001).

On a fresh database 0001 may run after these tables exist (it sees the state of
every migration applied before it) and give them the trigger already: hence
CREATE OR REPLACE (PostgreSQL 14 and newer).
"""

from django.db import migrations

TRIGGER = "dealtracker_content_changed"
TABLES = (
    "sources_sourcedocument",
    "claims_agreementtext",
    "claims_clauseanchor",
    "claims_clauseproposal",
)


def add_triggers(apps, schema_editor):
    for table in TABLES:
        schema_editor.execute(
            f'CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION dealtracker_note_content_change()"
        )


def drop_triggers(apps, schema_editor):
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_content_version"),
        ("sources", "0006_source_documents_and_pages"),
        ("claims", "0008_agreement_texts_and_clause_anchors"),
    ]

    operations = [migrations.RunPython(add_triggers, drop_triggers)]
