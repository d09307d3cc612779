"""Each clause's due date kept on the clause (due_on) by triggers, with an index, so that
overdue terms are found in order in SQL (deals/due_sql.py, claims/slipping.py)."""

from django.db import migrations, models

from dealtracker.deals.due_sql import BACKWARD, FORWARD


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_party_alias_trgm")]

    operations = [
        migrations.AddField(
            model_name="clause",
            name="due_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="clause",
            index=models.Index(
                condition=models.Q(("due_on__isnull", False)),
                fields=["due_on", "deal"],
                name="clause_due_on_idx",
            ),
        ),
        # After the index: filling the column first would leave the index unusable
        # until every transaction older than the migration's had ended (indcheckxmin).
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
