"""A deal's newest claims in the order claim lists show them (made_on DESC, id DESC).

The deal page's "latest claims" reads the first few entries for the deal, published
or not, instead of walking every claim newest first. See claims.queries.claims_for_deal.
"""

from django.db import migrations

CREATE = """
CREATE INDEX claim_deal_recent_idx ON claims_claim (deal_id, made_on DESC, id DESC);
"""
DROP = """
DROP INDEX IF EXISTS claim_deal_recent_idx;
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0006_deal_activity_indexes")]

    operations = [migrations.RunSQL(CREATE, DROP)]
