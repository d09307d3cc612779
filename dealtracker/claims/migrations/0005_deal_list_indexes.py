"""Per-deal indexes for the claims list filtered by deal and the deal's Atom feed.

A claim's phase and clause belong to its deal (claims/services.py refuses
anything else), so "claims of a deal" is `deal_id = X`, and these indexes give
a deal's newest claims, or most recently changed published ones, without
reading the rest of the table. The sort expression matches listing.sort_date().
"""

from django.db import migrations

CREATE = """
CREATE INDEX claim_deal_list_order_idx ON claims_claim
  (deal_id, (COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC);
CREATE INDEX claim_deal_published_updated_idx ON claims_claim (deal_id, updated_at DESC, id DESC)
  WHERE is_published;
"""
DROP = """
DROP INDEX IF EXISTS claim_deal_list_order_idx;
DROP INDEX IF EXISTS claim_deal_published_updated_idx;
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_historicalverificationchange")]

    operations = [migrations.RunSQL(CREATE, DROP)]
