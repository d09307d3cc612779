"""Indexes for the home page's deals: latest activity and compliance counts per deal.

- Latest activity: a deal's newest claim is the first entry of
  (deal_id, updated_at DESC) — for readers, who see drafts; public visitors'
  newest published claim comes from claim_deal_published_updated_idx (0005).
- Compliance counts: only compliance claims that are not refuted are counted,
  so a partial index over exactly those, by deal then compliance, answers the
  count by index-only scan (is_published carried for the public filter, clause
  and phase for a claim without a deal of its own).
See dealtracker.claims.queries.deals_by_activity and compliance_counts_by_deal.
"""

from django.db import migrations

CREATE = """
CREATE INDEX claim_deal_activity_idx ON claims_claim (deal_id, updated_at DESC);
CREATE INDEX claim_deal_compliance_idx ON claims_claim (deal_id, compliance)
  INCLUDE (is_published, clause_id, phase_id)
  WHERE kind = 'compliance' AND verification <> 'refuted';
"""
DROP = """
DROP INDEX IF EXISTS claim_deal_activity_idx;
DROP INDEX IF EXISTS claim_deal_compliance_idx;
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_deal_list_indexes")]

    operations = [migrations.RunSQL(CREATE, DROP)]
