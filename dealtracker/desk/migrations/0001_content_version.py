"""The content version: one number that changes whenever a deal, source or claim does.

Rendered page bodies are cached under it (dealtracker/desk/fragments.py), so a
cached page can never outlive a change that would alter it. PostgreSQL keeps it,
by triggers, so that every writer counts: the desk, the admin, imports, the
archive generator, a restore, raw SQL.

- Each table of the deals, sources and claims apps (their many-to-many tables
  too; not the history tables, which only editors' pages read) has a
  statement-level trigger. The first write statement of a transaction notes the
  transaction in dealtracker_content_change; later statements only read a
  transaction-local setting.
- That note fires a deferred constraint trigger at COMMIT, which sets the
  version to the transaction's id and removes the note. The version row is
  locked only while the transaction commits, so a long import does not hold up
  editors' saves, and a reader sees the new version and the new rows together.
- Transaction ids are never reused, even by a transaction that rolled back, so
  a version can never come back with other data behind it.
"""

from django.db import migrations

CONTENT_APPS = ("deals", "sources", "claims")
TRIGGER = "dealtracker_content_changed"

SETUP = """
CREATE TABLE dealtracker_content_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL
);
INSERT INTO dealtracker_content_version VALUES (1, txid_current(), now());

CREATE TABLE dealtracker_content_change (xid bigint PRIMARY KEY);

CREATE FUNCTION dealtracker_note_content_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dealtracker.content_changed', true)
            IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('dealtracker.content_changed', txid_current()::text, true);
        INSERT INTO dealtracker_content_change (xid) VALUES (txid_current())
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION dealtracker_bump_content_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dealtracker_content_version
       SET version = NEW.xid, changed_at = clock_timestamp()
     WHERE id = 1;
    DELETE FROM dealtracker_content_change WHERE xid = NEW.xid;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER dealtracker_content_version_at_commit
    AFTER INSERT ON dealtracker_content_change
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION dealtracker_bump_content_version();
"""

TEARDOWN = """
DROP TABLE IF EXISTS dealtracker_content_change;
DROP TABLE IF EXISTS dealtracker_content_version;
DROP FUNCTION IF EXISTS dealtracker_bump_content_version();
"""


def content_tables(apps) -> list[str]:
    """Every table of the content apps, many-to-many tables included, history tables not."""
    tables = set()
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model.__name__.startswith("Historical"):
                continue
            tables.add(model._meta.db_table)
    return sorted(tables)


def add_triggers(apps, schema_editor):
    for table in content_tables(apps):
        schema_editor.execute(
            f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION dealtracker_note_content_change()"
        )


def drop_triggers(apps, schema_editor):
    for table in content_tables(apps):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS dealtracker_note_content_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0003_party_alias_trgm"),
        ("sources", "0005_passage_span_check_per_statement"),
        ("claims", "0007_deal_recent_claims_idx"),
    ]

    operations = [
        migrations.RunSQL(SETUP, TEARDOWN),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
