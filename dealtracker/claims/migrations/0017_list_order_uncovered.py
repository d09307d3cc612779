"""The claims list's order indexes back to their keys alone (as claims migration 0003
made them), undoing migration 0016.

Carrying the facets' six columns let the claims list's facets read the newest 2,000
claims from the index alone, about 1 ms of a 20-28 ms page, but every claim written
paid for it: `bench/import_rate.py` (10,000 reports, 34,000 claims, into a copy of the
scale-1 archive) loaded 509 reports a second and stored 25.4 KB a report with the wide
indexes, 529-543 and 24.2 KB without them, against the 500 a second the import must
keep.
"""

from importlib import import_module

from django.db import migrations

# 0016's statements, run the other way round: one place holds both forms of the indexes.
covering = import_module("dealtracker.claims.migrations.0016_list_order_covering")


class Migration(migrations.Migration):
    dependencies = [("claims", "0016_list_order_covering")]

    operations = [migrations.RunSQL(covering.BACKWARD, covering.FORWARD)]
