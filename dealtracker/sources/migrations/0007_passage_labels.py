"""Stable passage labels: every passage gets a number (its label P<number>) for good.

Until now the reading view numbered passages by their place in the text, so
marking a sentence near the top renumbered every passage below it. Now:

- Passage.number is given when the passage is inserted, by a trigger, whoever
  inserts it (the desk, imports, restores, COPY by the archive generator): one
  more than the source's last_passage_number, which the same statement raises.
  A row inserted with a number (a restore from history, the generator) keeps
  it and raises the counter to it. Updating the counter locks the source row,
  so two passages inserted at once on one source are numbered one after the
  other (the desk's marking holds that lock already: concurrency.py's order).
- The counter never goes down: an ORM save of a source read before a passage
  was marked writes the column back, and would otherwise hand a label out twice.
- A passage's number never changes (a trigger refuses it).
- Existing passages are numbered in the order the reading view showed them to
  editors (the current revision's passages by position, as spans_from_passages
  numbered them), then the others (orphans) by id, so the labels editors saw
  stay the same. History records of live passages take their number; those of
  deleted passages keep 0, and a restore of one gives it a new number.
"""

from django.conf import settings
from django.db import migrations, models

NUMBER_EXISTING = """
WITH current_revision AS (
  SELECT DISTINCT ON (source_id) id, source_id
  FROM sources_sourcerevision
  ORDER BY source_id, number DESC
), shown AS (
  SELECT p.id, p.source_id, p.start, p."end",
         (p.anchor_status <> 'orphaned' AND p.revision_anchored_id = c.id) AS on_text
  FROM sources_passage p LEFT JOIN current_revision c ON c.source_id = p.source_id
), ranked AS (
  SELECT id, row_number() OVER (
    PARTITION BY source_id
    ORDER BY on_text DESC,
             CASE WHEN on_text THEN start END,
             CASE WHEN on_text THEN -"end" END,
             id
  ) AS n
  FROM shown
)
UPDATE sources_passage p SET number = ranked.n FROM ranked WHERE ranked.id = p.id;

UPDATE sources_source s SET last_passage_number = numbered.last
FROM (SELECT source_id, max(number) AS last FROM sources_passage GROUP BY source_id) numbered
WHERE numbered.source_id = s.id;

UPDATE sources_historicalpassage h SET number = p.number
FROM sources_passage p WHERE p.id = h.id;
"""

TRIGGERS = """
CREATE FUNCTION sources_passage_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.number IS NULL OR NEW.number = 0 THEN
    UPDATE sources_source SET last_passage_number = last_passage_number + 1
      WHERE id = NEW.source_id
      RETURNING last_passage_number INTO NEW.number;
  ELSE
    UPDATE sources_source SET last_passage_number = NEW.number
      WHERE id = NEW.source_id AND last_passage_number < NEW.number;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER sources_passage_number
  BEFORE INSERT ON sources_passage
  FOR EACH ROW EXECUTE FUNCTION sources_passage_number();

CREATE FUNCTION sources_passage_number_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'passage % is P%: a passage''s label never changes', OLD.id, OLD.number
    USING ERRCODE = 'check_violation', CONSTRAINT = 'passage_number_fixed';
END $$;
CREATE TRIGGER sources_passage_number_fixed
  BEFORE UPDATE OF number ON sources_passage
  FOR EACH ROW WHEN (NEW.number IS DISTINCT FROM OLD.number)
  EXECUTE FUNCTION sources_passage_number_fixed();

CREATE FUNCTION sources_source_passage_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.last_passage_number := OLD.last_passage_number;
  RETURN NEW;
END $$;
CREATE TRIGGER sources_source_passage_counter
  BEFORE UPDATE OF last_passage_number ON sources_source
  FOR EACH ROW WHEN (NEW.last_passage_number < OLD.last_passage_number)
  EXECUTE FUNCTION sources_source_passage_counter();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS sources_source_passage_counter ON sources_source;
DROP FUNCTION IF EXISTS sources_source_passage_counter();
DROP TRIGGER IF EXISTS sources_passage_number_fixed ON sources_passage;
DROP FUNCTION IF EXISTS sources_passage_number_fixed();
DROP TRIGGER IF EXISTS sources_passage_number ON sources_passage;
DROP FUNCTION IF EXISTS sources_passage_number();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0006_source_documents_and_pages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpassage",
            name="number",
            field=models.PositiveIntegerField(db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="passage",
            name="number",
            field=models.PositiveIntegerField(db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="source",
            name="last_passage_number",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.RunSQL(NUMBER_EXISTING, migrations.RunSQL.noop),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AddConstraint(
            model_name="passage",
            constraint=models.UniqueConstraint(
                fields=("source", "number"), name="passage_number_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="passage",
            constraint=models.CheckConstraint(
                condition=models.Q(("number__gte", 1)), name="passage_number_positive"
            ),
        ),
    ]
