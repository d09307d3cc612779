"""A stable id (uid) for claims, verification changes, assessments and clause proposals:
their identity in archives (see sources 0008 for how existing rows get theirs)."""

from django.db import migrations

from dealtracker.sources.migrations._stable_ids import align_history, uid_field


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_agreement_texts_and_clause_anchors"),
        ("sources", "0008_stable_ids"),
    ]

    operations = [
        migrations.AddField(model_name="claim", name="uid", field=uid_field(unique=True)),
        migrations.AddField(
            model_name="verificationchange", name="uid", field=uid_field(unique=True)
        ),
        migrations.AddField(model_name="assessment", name="uid", field=uid_field(unique=True)),
        migrations.AddField(model_name="clauseproposal", name="uid", field=uid_field(unique=True)),
        migrations.AddField(
            model_name="historicalclaim", name="uid", field=uid_field(db_index=True)
        ),
        migrations.AddField(
            model_name="historicalverificationchange", name="uid", field=uid_field(db_index=True)
        ),
        migrations.AddField(
            model_name="historicalassessment", name="uid", field=uid_field(db_index=True)
        ),
        migrations.AddField(
            model_name="historicalclauseproposal", name="uid", field=uid_field(db_index=True)
        ),
        migrations.RunSQL(
            align_history("claims_claim", "claims_historicalclaim")
            + align_history("claims_verificationchange", "claims_historicalverificationchange")
            + align_history("claims_assessment", "claims_historicalassessment")
            + align_history("claims_clauseproposal", "claims_historicalclauseproposal"),
            migrations.RunSQL.noop,
        ),
    ]
