from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0002_content_version_documents_agreements"),
    ]

    operations = [
        migrations.CreateModel(
            name="DemoRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.TextField(unique=True)),
                ("model", models.CharField(max_length=100)),
                ("object_id", models.BigIntegerField(null=True)),
                ("loaded_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["id"]},
        ),
    ]
