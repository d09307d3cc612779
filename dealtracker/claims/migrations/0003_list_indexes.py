"""Indexes for the claims list, its CSV and the feeds.

- The list orders by (COALESCE(made_on, '0001-01-01'), id) — undated claims
  sort as the oldest — and pages by keyset on that pair; these indexes serve
  both directions, for everyone and (partial) for public visitors.
- Claims about a party: the subjects through table by (party_id, claim_id).
- Feeds: published claims by updated_at.
The expression must stay identical to dealtracker.claims.listing.sort_date().
"""

from django.db import migrations

CREATE = """
CREATE INDEX claim_list_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC);
CREATE INDEX claim_list_published_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC) WHERE is_published;
CREATE INDEX claim_subjects_party_claim_idx ON claims_claim_subjects (party_id, claim_id);
CREATE INDEX claim_published_updated_idx ON claims_claim (updated_at DESC, id DESC)
  WHERE is_published;
"""
DROP = """
DROP INDEX IF EXISTS claim_list_order_idx;
DROP INDEX IF EXISTS claim_list_published_order_idx;
DROP INDEX IF EXISTS claim_subjects_party_claim_idx;
DROP INDEX IF EXISTS claim_published_updated_idx;
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_search")]

    operations = [migrations.RunSQL(CREATE, DROP)]
