"""Fewer statistics on what the search matches party names against by trigrams.

To estimate how many rows `name % 'text'` (and `%>`) keeps, PostgreSQL computes the
trigram similarity of the text with every value of the column's histogram and most
common values (100 of each by default) while it plans. The search's party statement
has four such conditions (name, short name, name by word, aliases by word), and it is
planned for its text every time: 1.5-2.6 ms of planning for 0.4 ms of running on the
scale-1 archive (20,000 parties). Its plan is a bitmap scan of the trigram indexes
whatever the estimate (search/site.py turns the other scans off), so ten values of
each say enough: planning 0.7-0.8 ms. The parties list's name filter (ILIKE) reads the
same statistics; on a table of parties any of its plans takes a few milliseconds.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE deals_party ALTER COLUMN name SET STATISTICS 10,
                        ALTER COLUMN short_name SET STATISTICS 10;
ALTER INDEX party_aliases_trgm ALTER COLUMN 1 SET STATISTICS 10;
ANALYZE deals_party;
"""

BACKWARD = """
ALTER TABLE deals_party ALTER COLUMN name SET STATISTICS -1,
                        ALTER COLUMN short_name SET STATISTICS -1;
ALTER INDEX party_aliases_trgm ALTER COLUMN 1 SET STATISTICS -1;
ANALYZE deals_party;
"""


class Migration(migrations.Migration):
    dependencies = [("deals", "0006_party_name_order")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
