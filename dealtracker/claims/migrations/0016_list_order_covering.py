"""The claims list's order indexes carry what its facets count (claims/facets.py).

The facets read the newest 2,000 matching claims through these indexes, then each
claim's row for its kind, compliance, verification, claimant and deal: 2,000 heap
pages read at random for the whole list. With those columns (and `made_on`, from
which the sort key is computed) kept in the index, the scan reads the index alone.
Same keys and predicates as claims migration 0003; the expression must stay
identical to dealtracker.claims.listing.sort_date(). Undone by migration 0017: every
claim written paid for the wider indexes, and the import with it.
"""

from django.db import migrations

COVERED = "made_on, kind, compliance, verification, claimant_id, deal_id"

FORWARD = f"""
DROP INDEX IF EXISTS claim_list_order_idx;
DROP INDEX IF EXISTS claim_list_published_order_idx;
CREATE INDEX claim_list_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC) INCLUDE ({COVERED});
CREATE INDEX claim_list_published_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC) INCLUDE ({COVERED})
  WHERE is_published;
"""
BACKWARD = """
DROP INDEX IF EXISTS claim_list_order_idx;
DROP INDEX IF EXISTS claim_list_published_order_idx;
CREATE INDEX claim_list_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC);
CREATE INDEX claim_list_published_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC) WHERE is_published;
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0015_history_deletion_indexes")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
