"""The triggers that keep each clause's due date (Clause.due_on) in the database.

The due date (deals/deadlines.py) rests on the clause's deadline and on its
phases' dates, so the slipping list (claims/slipping.py) could only find overdue
terms by computing every clause's due date in Python: 2 s of CPU on an archive of
20,000 clauses. The last day of the due date is kept instead, on the clause, so
that the list is read in order from an index, a page at a time.

- A clause's due_on is computed before each insert and before each update of a
  column it rests on (the deadline, its phase, its deadline's phase).
- A phase inserted, or whose dates or precisions change, recomputes the clauses
  that hang on it (by its phase or by its deadline's phase).

How many terms fall due on each day is kept too (deals_clause_due_day: clauses
of deals that are not over, with an obliged party, by due_on), by statement-level
triggers on clauses, their obliged parties and deals, so that the list's length
and the day a page starts on are read from a few thousand days rather than by
counting every clause. A change recounts the days it touches from the clauses
themselves, so a count cannot drift; recounts take one transaction-level lock.
The table is the database's own (no model: an archive does not carry it).

The SQL is clause_due_date()'s rule, written again; tests/deals/test_due_on.py
holds the two to each other on random clauses and phases. Used by the migration
that adds the column.
"""

# period_end(): the last day of the period a loose date names (deals/loose_dates.py).
PERIOD_END_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_period_end(d date, prec text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN d IS NULL THEN NULL
    WHEN prec = 'early' THEN make_date(extract(year FROM d)::int, extract(month FROM d)::int, 10)
    WHEN prec = 'mid' THEN make_date(extract(year FROM d)::int, extract(month FROM d)::int, 20)
    WHEN prec IN ('late', 'month') THEN
      (make_date(extract(year FROM d)::int, extract(month FROM d)::int, 1)
       + interval '1 month')::date - 1
    WHEN prec = 'year' THEN make_date(extract(year FROM d)::int, 12, 31)
    ELSE d
  END
$$;
"""

# clause_due_date(clause).date (deals/deadlines.py), from the clause's row.
DUE_ON_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_clause_due_on(c deals_clause) RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
  p deals_phase;
  base date;
  prec text;
BEGIN
  IF c.deadline_date IS NOT NULL THEN
    RETURN deals_period_end(c.deadline_date, c.deadline_date_precision);
  END IF;
  IF c.deadline_phase_id IS NOT NULL THEN
    SELECT * INTO p FROM deals_phase WHERE id = c.deadline_phase_id;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;
    IF c.deadline_anchor = 'start' THEN
      IF p.actual_start IS NOT NULL THEN
        base := p.actual_start; prec := p.actual_start_precision;
      ELSE
        base := p.planned_start; prec := p.planned_start_precision;
      END IF;
    ELSE
      IF p.actual_end IS NOT NULL THEN
        base := p.actual_end; prec := p.actual_end_precision;
      ELSE
        base := p.planned_end; prec := p.planned_end_precision;
      END IF;
    END IF;
    IF base IS NULL THEN
      RETURN NULL;
    END IF;
    RETURN deals_period_end(base, prec) + CASE
      WHEN c.deadline_delay_unit = 'days' THEN c.deadline_delay
      ELSE (c.deadline_delay + 23) / 24  -- hours, rounded up to whole days
    END;
  END IF;
  IF c.phase_id IS NOT NULL THEN
    SELECT * INTO p FROM deals_phase WHERE id = c.phase_id;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;
    IF p.actual_end IS NOT NULL THEN
      RETURN deals_period_end(p.actual_end, p.actual_end_precision);
    END IF;
    RETURN deals_period_end(p.planned_end, p.planned_end_precision);
  END IF;
  RETURN NULL;  -- a deal-wide term without a deadline never falls due
END $$;
"""

CLAUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_clause_set_due_on() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.due_on := deals_clause_due_on(NEW);
  RETURN NEW;
END $$;
"""

PHASE_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_phase_dates_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE deals_clause c SET due_on = deals_clause_due_on(c)
   WHERE (c.phase_id = NEW.id OR c.deadline_phase_id = NEW.id)
     AND c.due_on IS DISTINCT FROM deals_clause_due_on(c);
  RETURN NULL;
END $$;
"""

_DUE_COLUMNS = (
    "deadline_date, deadline_date_precision, deadline_delay, deadline_delay_unit, "
    "deadline_anchor, deadline_phase_id, phase_id, due_on"
)
_PHASE_COLUMNS = [
    f"{kind}_{which}{suffix}"
    for kind in ("planned", "actual")
    for which in ("start", "end")
    for suffix in ("", "_precision")
]
_PHASE_DATES = ", ".join(_PHASE_COLUMNS)
_OLD_DATES = ", ".join(f"OLD.{c}" for c in _PHASE_COLUMNS)
_NEW_DATES = ", ".join(f"NEW.{c}" for c in _PHASE_COLUMNS)

TRIGGERS = f"""
CREATE TRIGGER deals_clause_due_on BEFORE INSERT OR UPDATE OF {_DUE_COLUMNS} ON deals_clause
  FOR EACH ROW EXECUTE FUNCTION deals_clause_set_due_on();
CREATE TRIGGER deals_phase_inserted_due_on AFTER INSERT ON deals_phase
  FOR EACH ROW EXECUTE FUNCTION deals_phase_dates_changed();
CREATE TRIGGER deals_phase_dates_due_on AFTER UPDATE OF {_PHASE_DATES} ON deals_phase
  FOR EACH ROW WHEN (({_OLD_DATES}) IS DISTINCT FROM ({_NEW_DATES}))
  EXECUTE FUNCTION deals_phase_dates_changed();
"""

# Deal.is_over(): deals in these have no overdue terms (deals.models.DEAL_OVER_STATUSES).
OVER_STATUSES = ("concluded", "superseded", "collapsed")
_OVER = ", ".join(f"'{status}'" for status in OVER_STATUSES)

DAY_TABLE = """
CREATE TABLE deals_clause_due_day (due_on date PRIMARY KEY, n integer NOT NULL);
"""

DAY_RECOUNT_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_due_days_recount(p_days date[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_days IS NULL OR cardinality(p_days) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('deals_clause_due_day'));
  DELETE FROM deals_clause_due_day WHERE due_on = ANY(p_days);
  INSERT INTO deals_clause_due_day (due_on, n)
  SELECT c.due_on, count(*)
    FROM deals_clause c JOIN deals_deal d ON d.id = c.deal_id
   WHERE c.due_on = ANY(p_days) AND d.status NOT IN (OVER_STATUSES)
     AND EXISTS (SELECT 1 FROM deals_clause_obliged_parties o WHERE o.clause_id = c.id)
   GROUP BY c.due_on;
END $$;
""".replace("OVER_STATUSES", _OVER)

DAY_CLAUSES_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_due_days_clauses_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  days date[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT due_on) INTO days FROM new_rows WHERE due_on IS NOT NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT due_on) INTO days FROM old_rows WHERE due_on IS NOT NULL;
  ELSE
    SELECT array_agg(DISTINCT e.due_on) INTO days
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      CROSS JOIN LATERAL (VALUES (o.due_on), (n.due_on)) e(due_on)
     WHERE e.due_on IS NOT NULL
       AND (o.due_on, o.deal_id) IS DISTINCT FROM (n.due_on, n.deal_id);
  END IF;
  PERFORM deals_due_days_recount(days);
  RETURN NULL;
END $$;
"""

DAY_OBLIGED_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_due_days_obliged_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  days date[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT c.due_on) INTO days
      FROM new_rows r JOIN deals_clause c ON c.id = r.clause_id WHERE c.due_on IS NOT NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT c.due_on) INTO days
      FROM old_rows r JOIN deals_clause c ON c.id = r.clause_id WHERE c.due_on IS NOT NULL;
  ELSE
    SELECT array_agg(DISTINCT c.due_on) INTO days
      FROM (SELECT clause_id FROM old_rows UNION SELECT clause_id FROM new_rows) r
      JOIN deals_clause c ON c.id = r.clause_id WHERE c.due_on IS NOT NULL;
  END IF;
  PERFORM deals_due_days_recount(days);
  RETURN NULL;
END $$;
"""

DAY_DEALS_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_due_days_deals_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  days date[];
BEGIN
  SELECT array_agg(DISTINCT c.due_on) INTO days
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    JOIN deals_clause c ON c.deal_id = n.id
   WHERE c.due_on IS NOT NULL
     AND (o.status IN (OVER_STATUSES)) IS DISTINCT FROM (n.status IN (OVER_STATUSES));
  PERFORM deals_due_days_recount(days);
  RETURN NULL;
END $$;
""".replace("OVER_STATUSES", _OVER)

_COUNT_ALL_DAYS = """
  DELETE FROM deals_clause_due_day;
  INSERT INTO deals_clause_due_day (due_on, n)
  SELECT c.due_on, count(*)
    FROM deals_clause c JOIN deals_deal d ON d.id = c.deal_id
   WHERE c.due_on IS NOT NULL AND d.status NOT IN (OVER_STATUSES)
     AND EXISTS (SELECT 1 FROM deals_clause_obliged_parties o WHERE o.clause_id = c.id)
   GROUP BY c.due_on;
""".replace("OVER_STATUSES", _OVER)

DAY_REBUILD_FUNCTION = """
CREATE OR REPLACE FUNCTION deals_due_days_rebuild() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('deals_clause_due_day'));
COUNT_ALL_DAYS
  RETURN NULL;
END $$;
""".replace("COUNT_ALL_DAYS", _COUNT_ALL_DAYS)

DAY_TRIGGERS = """
CREATE TRIGGER deals_due_days_clauses_inserted AFTER INSERT ON deals_clause
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_clauses_changed();
CREATE TRIGGER deals_due_days_clauses_updated AFTER UPDATE ON deals_clause
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_clauses_changed();
CREATE TRIGGER deals_due_days_clauses_deleted AFTER DELETE ON deals_clause
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_clauses_changed();
CREATE TRIGGER deals_due_days_obliged_inserted AFTER INSERT ON deals_clause_obliged_parties
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_obliged_changed();
CREATE TRIGGER deals_due_days_obliged_updated AFTER UPDATE ON deals_clause_obliged_parties
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_obliged_changed();
CREATE TRIGGER deals_due_days_obliged_deleted AFTER DELETE ON deals_clause_obliged_parties
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_obliged_changed();
CREATE TRIGGER deals_due_days_deals_updated AFTER UPDATE ON deals_deal
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_deals_changed();
CREATE TRIGGER deals_due_days_clauses_truncated AFTER TRUNCATE ON deals_clause
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_rebuild();
CREATE TRIGGER deals_due_days_obliged_truncated AFTER TRUNCATE ON deals_clause_obliged_parties
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_rebuild();
CREATE TRIGGER deals_due_days_deals_truncated AFTER TRUNCATE ON deals_deal
  FOR EACH STATEMENT EXECUTE FUNCTION deals_due_days_rebuild();
"""

# Every clause and day computed afresh (the migration fills the column and the table).
REBUILD = """
UPDATE deals_clause c SET due_on = deals_clause_due_on(c);
COUNT_ALL_DAYS
ANALYZE deals_clause;
ANALYZE deals_clause_due_day;
""".replace("COUNT_ALL_DAYS", _COUNT_ALL_DAYS)

FORWARD = (
    PERIOD_END_FUNCTION
    + DUE_ON_FUNCTION
    + CLAUSE_FUNCTION
    + PHASE_FUNCTION
    + TRIGGERS
    + DAY_TABLE
    + DAY_RECOUNT_FUNCTION
    + DAY_CLAUSES_FUNCTION
    + DAY_OBLIGED_FUNCTION
    + DAY_DEALS_FUNCTION
    + DAY_REBUILD_FUNCTION
    + DAY_TRIGGERS
    + REBUILD
)

BACKWARD = """
DROP TABLE IF EXISTS deals_clause_due_day;
DROP TRIGGER IF EXISTS deals_due_days_clauses_inserted ON deals_clause;
DROP TRIGGER IF EXISTS deals_due_days_clauses_updated ON deals_clause;
DROP TRIGGER IF EXISTS deals_due_days_clauses_deleted ON deals_clause;
DROP TRIGGER IF EXISTS deals_due_days_clauses_truncated ON deals_clause;
DROP TRIGGER IF EXISTS deals_due_days_obliged_inserted ON deals_clause_obliged_parties;
DROP TRIGGER IF EXISTS deals_due_days_obliged_updated ON deals_clause_obliged_parties;
DROP TRIGGER IF EXISTS deals_due_days_obliged_deleted ON deals_clause_obliged_parties;
DROP TRIGGER IF EXISTS deals_due_days_obliged_truncated ON deals_clause_obliged_parties;
DROP TRIGGER IF EXISTS deals_due_days_deals_updated ON deals_deal;
DROP TRIGGER IF EXISTS deals_due_days_deals_truncated ON deals_deal;
DROP FUNCTION IF EXISTS deals_due_days_rebuild();
DROP FUNCTION IF EXISTS deals_due_days_deals_changed();
DROP FUNCTION IF EXISTS deals_due_days_obliged_changed();
DROP FUNCTION IF EXISTS deals_due_days_clauses_changed();
DROP FUNCTION IF EXISTS deals_due_days_recount(date[]);
DROP TRIGGER IF EXISTS deals_clause_due_on ON deals_clause;
DROP TRIGGER IF EXISTS deals_phase_inserted_due_on ON deals_phase;
DROP TRIGGER IF EXISTS deals_phase_dates_due_on ON deals_phase;
DROP FUNCTION IF EXISTS deals_phase_dates_changed();
DROP FUNCTION IF EXISTS deals_clause_set_due_on();
DROP FUNCTION IF EXISTS deals_clause_due_on(deals_clause);
DROP FUNCTION IF EXISTS deals_period_end(date, text);
"""
