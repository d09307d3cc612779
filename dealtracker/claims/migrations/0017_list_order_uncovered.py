"""The claims list's order indexes back to their keys alone (as claims migration 0003
made them), undoing migration 0016.

Carrying the facets' six columns let the claims list's facets read the newest 2,000
claims from the index alone, about 1 ms of a 20-28 ms page, but every claim written
paid for it: `bench/import_rate.py` (10,000 reports, 34,000 claims, into a copy of the
scale-1 archive) loaded 509 reports a second and stored 25.4 KB a report with the wide
indexes, 529-543 and 24.2 KB without them, against the 500 a second the import must
keep.
"""

from django.db import migrations

COVERED = "made_on, kind, compliance, verification, claimant_id, deal_id"

FORWARD = """
DROP INDEX IF EXISTS claim_list_order_idx;
DROP INDEX IF EXISTS claim_list_published_order_idx;
CREATE INDEX claim_list_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC);
CREATE INDEX claim_list_published_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC) WHERE is_published;
"""
BACKWARD = f"""
DROP INDEX IF EXISTS claim_list_order_idx;
DROP INDEX IF EXISTS claim_list_published_order_idx;
CREATE INDEX claim_list_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC) INCLUDE ({COVERED});
CREATE INDEX claim_list_published_order_idx ON claims_claim
  ((COALESCE(made_on, '0001-01-01'::date)) DESC, id DESC) INCLUDE ({COVERED})
  WHERE is_published;
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0016_list_order_covering")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
