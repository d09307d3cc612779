from django.db import migrations

from dealtracker.fulltext.sql import DROP_TS_CONFIG_FUNCTION, TS_CONFIG_FUNCTION, vector_trigger

CLAUSE_CREATE, CLAUSE_DROP = vector_trigger(
    "deals_clause",
    """NEW.search_vector :=
    setweight(to_tsvector(dealtracker_ts_config(NEW.language), coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(NEW.reference, '')), 'B') ||
    setweight(to_tsvector(dealtracker_ts_config(NEW.language), coalesce(NEW.text, '')), 'C');""",
    ["title", "reference", "text", "language"],
)


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [
        migrations.RunSQL(TS_CONFIG_FUNCTION, DROP_TS_CONFIG_FUNCTION),
        migrations.RunSQL(CLAUSE_CREATE, CLAUSE_DROP),
    ]
