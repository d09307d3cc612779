"""A stable id (uid) for sources, passages and re-anchorings: their identity in archives.

Existing rows get one each (the column's database default, evaluated per row).
A history record carries the uid of the row it describes: records of live rows
take it from the row, the records of one deleted row share one new uid (so a
restore brings the row back under a single identity).
"""

from django.db import migrations

from ._stable_ids import align_history, uid_field


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0007_passage_labels"),
    ]

    operations = [
        migrations.AddField(model_name="source", name="uid", field=uid_field(unique=True)),
        migrations.AddField(model_name="passage", name="uid", field=uid_field(unique=True)),
        migrations.AddField(model_name="reanchoring", name="uid", field=uid_field(unique=True)),
        migrations.AddField(
            model_name="historicalsource", name="uid", field=uid_field(db_index=True)
        ),
        migrations.AddField(
            model_name="historicalpassage", name="uid", field=uid_field(db_index=True)
        ),
        migrations.RunSQL(
            align_history("sources_source", "sources_historicalsource")
            + align_history("sources_passage", "sources_historicalpassage"),
            migrations.RunSQL.noop,
        ),
    ]
