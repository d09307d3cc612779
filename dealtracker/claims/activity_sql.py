"""The triggers that keep when each deal's claims last changed (claims.DealClaimActivity).

The home page and the deals list order deals by their latest activity: the later of
the deal's own change and its newest claim's (claims.queries.deals_by_activity).
Read from the claims, that is one index probe per deal on every visit, whatever
page is shown: 0.75 ms for 200 deals at scale 1, 9.5 ms for 2,000 at scale 10. The
newest change is kept instead, per deal, over all its claims and over its published
ones (what the desk and the public see), so the lists join one small row per deal.

A claim's own deal is the one it counts for, as in deals_by_activity (the claims
service keeps it set whenever a clause or phase is).

Statement-level triggers, so a COPY of many claims is one set-based step:
- Rows added or raised (INSERT, and the new side of an UPDATE) can only move a deal's
  newest change later: GREATEST into the kept row, which is safe under concurrent
  writers without reading the claims.
- Rows removed or lowered (DELETE, the old side of an UPDATE: a claim unpublished,
  moved to another deal, its updated_at set back) may have been the newest: that
  deal's newest change is read again from the claims (an index probe each). The
  kept rows of the deals touched are locked first, in key order, and read again in
  the next statement, which sees what the writers the lock waited for committed: a
  claim added by one editor while another deletes the newest is never lost.
"""

_LOCK = """
  INSERT INTO claims_dealclaimactivity (deal_id)
  SELECT DISTINCT deal_id FROM ({rows}) r WHERE deal_id IS NOT NULL ORDER BY 1
  ON CONFLICT (deal_id) DO NOTHING;
  PERFORM 1 FROM claims_dealclaimactivity
   WHERE deal_id IN (SELECT deal_id FROM ({rows}) r)
   ORDER BY deal_id FOR UPDATE;
"""

_RAISE = """
  INSERT INTO claims_dealclaimactivity AS t (deal_id, latest_change, latest_published_change)
  SELECT deal_id, max(updated_at), max(updated_at) FILTER (WHERE is_published)
    FROM new_rows
   WHERE deal_id IS NOT NULL
   GROUP BY deal_id
   ORDER BY deal_id
  ON CONFLICT (deal_id) DO UPDATE SET
    latest_change = GREATEST(t.latest_change, EXCLUDED.latest_change),
    latest_published_change = GREATEST(t.latest_published_change,
                                       EXCLUDED.latest_published_change);
"""

# Only where a removed or lowered row was at (or past) the kept newest change: an
# edit that moves a claim's updated_at forward leaves the newest change its own.
_READ_AGAIN = """
  UPDATE claims_dealclaimactivity t SET
    latest_change = (SELECT max(c.updated_at) FROM claims_claim c
                      WHERE c.deal_id = t.deal_id),
    latest_published_change = (SELECT max(c.updated_at) FROM claims_claim c
                                WHERE c.deal_id = t.deal_id AND c.is_published)
   WHERE EXISTS (
     SELECT FROM old_rows o
      WHERE o.deal_id = t.deal_id
        AND (t.latest_change IS NULL OR o.updated_at >= t.latest_change
             OR (o.is_published AND (t.latest_published_change IS NULL
                                     OR o.updated_at >= t.latest_published_change))));
"""

_BOTH = "SELECT deal_id FROM old_rows UNION SELECT deal_id FROM new_rows"

# Our own SQL text throughout this module: no value ever goes into it.
FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION claims_activity_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_RAISE}
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION claims_activity_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_LOCK.format(rows=_BOTH)}
  {_RAISE}
  {_READ_AGAIN}
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION claims_activity_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_LOCK.format(rows="SELECT deal_id FROM old_rows")}
  {_READ_AGAIN}
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION claims_activity_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM claims_dealclaimactivity;
  RETURN NULL;
END $$;
"""  # noqa: S608

TRIGGERS = """
CREATE TRIGGER claims_activity_inserted AFTER INSERT ON claims_claim
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_activity_inserted();
CREATE TRIGGER claims_activity_updated AFTER UPDATE ON claims_claim
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_activity_updated();
CREATE TRIGGER claims_activity_deleted AFTER DELETE ON claims_claim
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION claims_activity_deleted();
CREATE TRIGGER claims_activity_truncated AFTER TRUNCATE ON claims_claim
  FOR EACH STATEMENT EXECUTE FUNCTION claims_activity_truncated();
"""

# Every deal read afresh from its claims (the migration fills the table with it).
REBUILD = """
DELETE FROM claims_dealclaimactivity;
INSERT INTO claims_dealclaimactivity (deal_id, latest_change, latest_published_change)
SELECT deal_id, max(updated_at), max(updated_at) FILTER (WHERE is_published)
  FROM claims_claim
 WHERE deal_id IS NOT NULL
 GROUP BY deal_id;
ANALYZE claims_dealclaimactivity;
"""

FORWARD = FUNCTIONS + TRIGGERS + REBUILD

BACKWARD = """
DROP TRIGGER IF EXISTS claims_activity_inserted ON claims_claim;
DROP TRIGGER IF EXISTS claims_activity_updated ON claims_claim;
DROP TRIGGER IF EXISTS claims_activity_deleted ON claims_claim;
DROP TRIGGER IF EXISTS claims_activity_truncated ON claims_claim;
DROP FUNCTION IF EXISTS claims_activity_inserted();
DROP FUNCTION IF EXISTS claims_activity_updated();
DROP FUNCTION IF EXISTS claims_activity_deleted();
DROP FUNCTION IF EXISTS claims_activity_truncated();
"""
