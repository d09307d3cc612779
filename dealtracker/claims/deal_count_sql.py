"""The triggers that keep each deal's compliance counts (claims.DealComplianceCount).

The home page and the deals list show, for every deal, how many compliance claims
assert each compliance. Counted live, that reads every compliance claim of the
deals shown: 10 ms for the home page's twelve deals at scale 1, 30 ms for a page
of the deals list, and it grows with the biggest deals. The counts are kept
instead, per deal, compliance, published or not and refuted or not, by
statement-level triggers on claims: each statement adds what its new rows count
and takes away what its old rows counted, in one INSERT ... ON CONFLICT per
statement, so a COPY of millions of claims is one set-based step and an edit
that changes nothing the count reads (the statement, a note) writes nothing.
Concurrent statements are safe: ON CONFLICT locks each row it adds to, and the
rows are written in key order, so two editors cannot deadlock on them.

A claim counts for its own deal, else its clause's, else its phase's
(claims.queries.claim_deal_id). Clauses and phases are never deleted under
claims (PROTECT) and never change deals, so a claim's deal is found from its
row as it was and as it is.

Used by the migration that creates the table; claims.queries reads the rows.
"""

# The part of the claims a statement touched, as (deal, compliance, published,
# refuted, +1/-1) rows.
_SIDE = """
  SELECT coalesce(r.deal_id, cl.deal_id, ph.deal_id) AS deal_id, r.compliance,
         r.is_published, r.verification = 'refuted' AS refuted, SIGN AS delta
    FROM ROWS r
    LEFT JOIN deals_clause cl ON r.deal_id IS NULL AND cl.id = r.clause_id
    LEFT JOIN deals_phase ph ON r.deal_id IS NULL AND ph.id = r.phase_id
   WHERE r.kind = 'compliance'
"""
_OLD = _SIDE.replace("ROWS", "old_rows").replace("SIGN", "-1")
_NEW = _SIDE.replace("ROWS", "new_rows").replace("SIGN", "1")


def _apply(parts: str) -> str:
    # Our own SQL text throughout this module: no value ever goes into it.
    return f"""
  INSERT INTO claims_dealcompliancecount AS t (deal_id, compliance, is_published, refuted, n)
  SELECT deal_id, compliance, is_published, refuted, sum(delta)
    FROM ({parts}) x
   WHERE deal_id IS NOT NULL
   GROUP BY 1, 2, 3, 4
  HAVING sum(delta) <> 0
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (deal_id, compliance, is_published, refuted) DO UPDATE SET n = t.n + EXCLUDED.n;
"""  # noqa: S608


FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION claims_dealcount_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_apply(_NEW)}
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION claims_dealcount_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_apply(_OLD)}
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION claims_dealcount_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_apply(_OLD + " UNION ALL " + _NEW)}
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION claims_dealcount_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM claims_dealcompliancecount;
  RETURN NULL;
END $$;
"""  # noqa: S608

TRIGGERS = """
CREATE TRIGGER claims_dealcount_inserted AFTER INSERT ON claims_claim
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_dealcount_inserted();
CREATE TRIGGER claims_dealcount_deleted AFTER DELETE ON claims_claim
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_dealcount_deleted();
CREATE TRIGGER claims_dealcount_updated AFTER UPDATE ON claims_claim
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_dealcount_updated();
CREATE TRIGGER claims_dealcount_truncated AFTER TRUNCATE ON claims_claim
  FOR EACH STATEMENT EXECUTE FUNCTION claims_dealcount_truncated();
"""

# Every deal counted afresh (the migration fills the table with it).
_ADD_TO_KEPT = (
    "ON CONFLICT (deal_id, compliance, is_published, refuted) DO UPDATE SET n = t.n + EXCLUDED.n"
)
REBUILD = "\n".join(
    [
        "DELETE FROM claims_dealcompliancecount;",
        _apply(_NEW.replace("new_rows", "claims_claim")).replace(_ADD_TO_KEPT, ""),
        "ANALYZE claims_dealcompliancecount;",
    ]
)

FORWARD = FUNCTIONS + TRIGGERS + REBUILD

BACKWARD = """
DROP TRIGGER IF EXISTS claims_dealcount_inserted ON claims_claim;
DROP TRIGGER IF EXISTS claims_dealcount_deleted ON claims_claim;
DROP TRIGGER IF EXISTS claims_dealcount_updated ON claims_claim;
DROP TRIGGER IF EXISTS claims_dealcount_truncated ON claims_claim;
DROP FUNCTION IF EXISTS claims_dealcount_inserted();
DROP FUNCTION IF EXISTS claims_dealcount_deleted();
DROP FUNCTION IF EXISTS claims_dealcount_updated();
DROP FUNCTION IF EXISTS claims_dealcount_truncated();
"""
