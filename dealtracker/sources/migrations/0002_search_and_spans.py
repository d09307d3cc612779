from django.db import migrations

from dealtracker.fulltext.sql import TS_CONFIG_FUNCTION, vector_trigger

SOURCE_CREATE, SOURCE_DROP = vector_trigger(
    "sources_source",
    """NEW.search_vector :=
    setweight(to_tsvector(dealtracker_ts_config(NEW.language), coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(NEW.outlet, '') || ' ' || coalesce(NEW.author, '')), 'B') ||
    setweight(to_tsvector(dealtracker_ts_config(NEW.language), coalesce(NEW.text, '')), 'D');""",
    ["title", "outlet", "author", "text", "language"],
)

# A passage's language is its source's.
PASSAGE_CREATE, PASSAGE_DROP = vector_trigger(
    "sources_passage",
    """NEW.search_vector := to_tsvector(
      dealtracker_ts_config((SELECT language FROM sources_source WHERE id = NEW.source_id)),
      coalesce(NEW.quote, ''));""",
    ["quote", "source_id"],
)

# 0 <= start < end is a CHECK; end <= length of the revision's text needs the
# revision row, so it is a trigger that raises a check violation.
SPAN_CREATE = """
CREATE OR REPLACE FUNCTION sources_passage_within_text() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  text_length integer;
BEGIN
  SELECT char_length(text) INTO text_length FROM sources_sourcerevision WHERE id = NEW.revision_anchored_id;
  IF NEW."end" > text_length THEN
    RAISE EXCEPTION 'passage % ends at %, past the end (%) of its revision''s text', NEW.id, NEW."end", text_length
      USING ERRCODE = 'check_violation', CONSTRAINT = 'passage_within_text';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER sources_passage_within_text
  BEFORE INSERT OR UPDATE OF start, "end", revision_anchored_id ON sources_passage
  FOR EACH ROW EXECUTE FUNCTION sources_passage_within_text();
"""
SPAN_DROP = (
    "DROP TRIGGER IF EXISTS sources_passage_within_text ON sources_passage;"
    " DROP FUNCTION IF EXISTS sources_passage_within_text();"
)


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]

    operations = [
        migrations.RunSQL(TS_CONFIG_FUNCTION, migrations.RunSQL.noop),
        migrations.RunSQL(SOURCE_CREATE, SOURCE_DROP),
        migrations.RunSQL(PASSAGE_CREATE, PASSAGE_DROP),
        migrations.RunSQL(SPAN_CREATE, SPAN_DROP),
    ]
