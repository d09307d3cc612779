from django.db import migrations

from dealtracker.fulltext.sql import TS_CONFIG_FUNCTION, vector_trigger

CLAIM_CREATE, CLAIM_DROP = vector_trigger(
    "claims_claim",
    """NEW.search_vector :=
    setweight(to_tsvector(dealtracker_ts_config(NEW.language), coalesce(NEW.statement, '')), 'A') ||
    setweight(to_tsvector(dealtracker_ts_config(NEW.language), coalesce(NEW.attribution, '')), 'B');""",
    ["statement", "attribution", "language"],
)


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [
        migrations.RunSQL(TS_CONFIG_FUNCTION, migrations.RunSQL.noop),
        migrations.RunSQL(CLAIM_CREATE, CLAIM_DROP),
    ]
