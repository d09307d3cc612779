"""The check that a passage ends within its revision's text, once per statement on updates.

The row trigger of 0002 read the revision's text for every updated row: when a
revision re-anchors 500 passages it decompressed the same 50 KB text 500 times
(about 0.2 s of a 0.5 s revision). On updates the check is now an AFTER ...
FOR EACH STATEMENT trigger over the transition tables, which measures each
revision's text once and checks only rows whose span or revision changed.
Inserts keep the row trigger (one row at a time, and the revision's text is
measured once per row either way).
"""

from django.db import migrations

STATEMENT_CREATE = """
DROP TRIGGER IF EXISTS sources_passage_within_text ON sources_passage;
CREATE TRIGGER sources_passage_within_text
  BEFORE INSERT ON sources_passage
  FOR EACH ROW EXECUTE FUNCTION sources_passage_within_text();

CREATE OR REPLACE FUNCTION sources_passages_within_text() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  WITH spans AS (
    SELECT n.id, n."end", n.revision_anchored_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.start, n."end", n.revision_anchored_id)
      IS DISTINCT FROM (o.start, o."end", o.revision_anchored_id)
  ), lengths AS MATERIALIZED (
    SELECT r.id, char_length(r.text) AS text_length
    FROM sources_sourcerevision r
    WHERE r.id IN (SELECT revision_anchored_id FROM spans)
  )
  SELECT s.id, s."end", l.text_length INTO bad
  FROM spans s JOIN lengths l ON l.id = s.revision_anchored_id
  WHERE s."end" > l.text_length
  ORDER BY s.id
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'passage % ends at %, past the end (%) of its revision''s text', bad.id, bad."end", bad.text_length
      USING ERRCODE = 'check_violation', CONSTRAINT = 'passage_within_text';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sources_passages_within_text
  AFTER UPDATE ON sources_passage
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sources_passages_within_text();
"""

STATEMENT_DROP = """
DROP TRIGGER IF EXISTS sources_passages_within_text ON sources_passage;
DROP FUNCTION IF EXISTS sources_passages_within_text();
DROP TRIGGER IF EXISTS sources_passage_within_text ON sources_passage;
CREATE TRIGGER sources_passage_within_text
  BEFORE INSERT OR UPDATE OF start, "end", revision_anchored_id ON sources_passage
  FOR EACH ROW EXECUTE FUNCTION sources_passage_within_text();
"""


class Migration(migrations.Migration):
    dependencies = [("sources", "0004_historicalsourcerevision")]

    operations = [migrations.RunSQL(STATEMENT_CREATE, STATEMENT_DROP)]
