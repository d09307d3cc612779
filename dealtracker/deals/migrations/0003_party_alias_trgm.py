"""Party aliases found by trigram similarity, with an index.

array_to_string() is only STABLE, so an index cannot use it directly; the
wrapper is IMMUTABLE (aliases are plain text, no locale-dependent output).
Search queries call dealtracker_aliases_text(aliases) so the index applies.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION dealtracker_aliases_text(aliases varchar[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(aliases, ' ') $$;
CREATE INDEX party_aliases_trgm ON deals_party
  USING gin (dealtracker_aliases_text(aliases) gin_trgm_ops);
"""
DROP = """
DROP INDEX IF EXISTS party_aliases_trgm;
DROP FUNCTION IF EXISTS dealtracker_aliases_text(varchar[]);
"""


class Migration(migrations.Migration):
    dependencies = [("deals", "0002_search")]

    operations = [migrations.RunSQL(CREATE, DROP)]
