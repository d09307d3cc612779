"""The triggers that keep the compliance matrix's counts (claims.MatrixCount).

Counting a big deal's matrix live reads every claim of the deal and its subjects:
68 ms for a deal of 39,000 claims, a second for 300,000. The counts are kept
instead, per cell (clause, party) and per compliance, published or not, refuted or
not, by statement-level triggers on claims and their subjects (so a COPY of
millions of rows recounts once, set-based). A change recounts the cells it
touches from the claims themselves rather than adding and subtracting, so a
count cannot drift; recounts take one transaction-level lock in turn, so each
sees every change committed before it (READ COMMITTED: each statement of the
function reads afresh). The matrix "as of" a past day still counts live.

Used by the migration that creates the table; DESIGN.md's cell rule is in
claims/compliance.py, which reads these rows.
"""

# The key of the latest claim of a group, as compliance._cell_counts computes it live.
_LATEST_KEY = (
    "coalesce(to_char(c.made_on, 'YYYY-MM-DD'), '0000-00-00') || '|' || lpad(c.id::text, 12, '0')"
)

RECOUNT_FUNCTION = """
CREATE OR REPLACE FUNCTION claims_matrix_recount(p_clause bigint[], p_party bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_clause IS NULL OR cardinality(p_clause) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('claims_matrixcount'));
  DELETE FROM claims_matrixcount m
   USING unnest(p_clause, p_party) AS p(clause_id, party_id)
   WHERE m.clause_id = p.clause_id AND m.party_id = p.party_id;
  INSERT INTO claims_matrixcount (clause_id, party_id, compliance, is_published, refuted, n, latest)
  SELECT c.clause_id, s.party_id, c.compliance, c.is_published, c.verification = 'refuted',
         count(*), max(LATEST_KEY)
    FROM (SELECT DISTINCT clause_id, party_id
            FROM unnest(p_clause, p_party) AS u(clause_id, party_id)) p
    JOIN claims_claim c ON c.clause_id = p.clause_id AND c.kind = 'compliance'
    JOIN claims_claim_subjects s ON s.claim_id = c.id AND s.party_id = p.party_id
   GROUP BY 1, 2, 3, 4, 5;
END $$;
""".replace("LATEST_KEY", _LATEST_KEY)

# Subjects added or removed: the cells of their claims' clauses.
SUBJECTS_FUNCTION = """
CREATE OR REPLACE FUNCTION claims_matrix_subjects_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  clauses bigint[];
  parties bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(clause_id), array_agg(party_id) INTO clauses, parties FROM (
      SELECT DISTINCT c.clause_id, s.party_id FROM new_rows s
        JOIN claims_claim c ON c.id = s.claim_id
       WHERE c.kind = 'compliance' AND c.clause_id IS NOT NULL) x;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(clause_id), array_agg(party_id) INTO clauses, parties FROM (
      SELECT DISTINCT c.clause_id, s.party_id FROM old_rows s
        JOIN claims_claim c ON c.id = s.claim_id
       WHERE c.kind = 'compliance' AND c.clause_id IS NOT NULL) x;
  ELSE
    SELECT array_agg(clause_id), array_agg(party_id) INTO clauses, parties FROM (
      SELECT DISTINCT c.clause_id, s.party_id
        FROM (SELECT claim_id, party_id FROM old_rows
              UNION SELECT claim_id, party_id FROM new_rows) s
        JOIN claims_claim c ON c.id = s.claim_id
       WHERE c.kind = 'compliance' AND c.clause_id IS NOT NULL) x;
  END IF;
  PERFORM claims_matrix_recount(clauses, parties);
  RETURN NULL;
END $$;
"""

# Claims changed or deleted: the cells they counted in before and after, when a
# column the count reads changed (an edit of the statement alone recounts nothing).
CLAIMS_FUNCTION = """
CREATE OR REPLACE FUNCTION claims_matrix_claims_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  clauses bigint[];
  parties bigint[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT array_agg(clause_id), array_agg(party_id) INTO clauses, parties FROM (
      SELECT DISTINCT o.clause_id, s.party_id
        FROM old_rows o JOIN claims_claim_subjects s ON s.claim_id = o.id
       WHERE o.kind = 'compliance' AND o.clause_id IS NOT NULL) x;
  ELSE
    SELECT array_agg(x.clause_id), array_agg(x.party_id) INTO clauses, parties FROM (
      SELECT DISTINCT e.clause_id, s.party_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.clause_id, o.kind), (n.clause_id, n.kind)) e(clause_id, kind)
        JOIN claims_claim_subjects s ON s.claim_id = o.id
       WHERE e.kind = 'compliance' AND e.clause_id IS NOT NULL
         AND (o.kind, o.clause_id, o.compliance, o.verification, o.is_published, o.made_on)
             IS DISTINCT FROM
             (n.kind, n.clause_id, n.compliance, n.verification, n.is_published, n.made_on)
    ) x;
  END IF;
  PERFORM claims_matrix_recount(clauses, parties);
  RETURN NULL;
END $$;
"""

TRUNCATE_FUNCTION = """
CREATE OR REPLACE FUNCTION claims_matrix_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM claims_matrixcount;
  RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER claims_matrix_subjects_inserted AFTER INSERT ON claims_claim_subjects
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_subjects_changed();
CREATE TRIGGER claims_matrix_subjects_deleted AFTER DELETE ON claims_claim_subjects
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_subjects_changed();
CREATE TRIGGER claims_matrix_subjects_updated AFTER UPDATE ON claims_claim_subjects
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_subjects_changed();
CREATE TRIGGER claims_matrix_claims_updated AFTER UPDATE ON claims_claim
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_claims_changed();
CREATE TRIGGER claims_matrix_claims_deleted AFTER DELETE ON claims_claim
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_claims_changed();
CREATE TRIGGER claims_matrix_subjects_truncated AFTER TRUNCATE ON claims_claim_subjects
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_truncated();
CREATE TRIGGER claims_matrix_claims_truncated AFTER TRUNCATE ON claims_claim
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_truncated();
"""

# Every cell counted afresh (the migration fills the table with it).
REBUILD = """
DELETE FROM claims_matrixcount;
INSERT INTO claims_matrixcount (clause_id, party_id, compliance, is_published, refuted, n, latest)
SELECT c.clause_id, s.party_id, c.compliance, c.is_published, c.verification = 'refuted',
       count(*), max(LATEST_KEY)
  FROM claims_claim c JOIN claims_claim_subjects s ON s.claim_id = c.id
 WHERE c.kind = 'compliance' AND c.clause_id IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5;
ANALYZE claims_matrixcount;
""".replace("LATEST_KEY", _LATEST_KEY)

FORWARD = (
    RECOUNT_FUNCTION + SUBJECTS_FUNCTION + CLAIMS_FUNCTION + TRUNCATE_FUNCTION + TRIGGERS + REBUILD
)

# Subjects added (claims.0012): what the new rows count is added to their cells
# instead of recounting them. A recount reads every claim of each touched clause,
# so an import's batch of 500 reports took 130 ms in it at scale 1, more as the
# archive grew; the new subject rows are exact to add (a (claim, party) row counts
# once in its claim's cell), and the lock keeps additions and recounts in turn.
# Removals and claim edits still recount: a removed claim may have been a cell's
# latest, which cannot be taken back by subtracting.
SUBJECTS_ADDED_FUNCTION = """
CREATE OR REPLACE FUNCTION claims_matrix_subjects_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('claims_matrixcount'));
  INSERT INTO claims_matrixcount AS m
         (clause_id, party_id, compliance, is_published, refuted, n, latest)
  SELECT c.clause_id, s.party_id, c.compliance, c.is_published, c.verification = 'refuted',
         count(*), max(LATEST_KEY)
    FROM new_rows s JOIN claims_claim c ON c.id = s.claim_id
   WHERE c.kind = 'compliance' AND c.clause_id IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5
   ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (clause_id, party_id, compliance, is_published, refuted)
  DO UPDATE SET n = m.n + EXCLUDED.n, latest = greatest(m.latest, EXCLUDED.latest);
  RETURN NULL;
END $$;
""".replace("LATEST_KEY", _LATEST_KEY)

SUBJECTS_ADDED = (
    SUBJECTS_ADDED_FUNCTION
    + """
DROP TRIGGER claims_matrix_subjects_inserted ON claims_claim_subjects;
CREATE TRIGGER claims_matrix_subjects_inserted AFTER INSERT ON claims_claim_subjects
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_subjects_added();
"""
)

SUBJECTS_ADDED_BACKWARD = """
DROP TRIGGER claims_matrix_subjects_inserted ON claims_claim_subjects;
CREATE TRIGGER claims_matrix_subjects_inserted AFTER INSERT ON claims_claim_subjects
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_matrix_subjects_changed();
DROP FUNCTION IF EXISTS claims_matrix_subjects_added();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS claims_matrix_subjects_inserted ON claims_claim_subjects;
DROP TRIGGER IF EXISTS claims_matrix_subjects_deleted ON claims_claim_subjects;
DROP TRIGGER IF EXISTS claims_matrix_subjects_updated ON claims_claim_subjects;
DROP TRIGGER IF EXISTS claims_matrix_claims_updated ON claims_claim;
DROP TRIGGER IF EXISTS claims_matrix_claims_deleted ON claims_claim;
DROP TRIGGER IF EXISTS claims_matrix_subjects_truncated ON claims_claim_subjects;
DROP TRIGGER IF EXISTS claims_matrix_claims_truncated ON claims_claim;
DROP FUNCTION IF EXISTS claims_matrix_subjects_changed();
DROP FUNCTION IF EXISTS claims_matrix_claims_changed();
DROP FUNCTION IF EXISTS claims_matrix_truncated();
DROP FUNCTION IF EXISTS claims_matrix_recount(bigint[], bigint[]);
"""
