"""German is no longer offered (it had no catalogue and showed English): its users get English."""

from django.db import migrations, models


def german_to_english(apps, schema_editor):
    apps.get_model("people", "User").objects.exclude(language__in=["en", "ru"]).update(language="en")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_name_document_trigram_index"),
    ]

    operations = [
        migrations.RunPython(german_to_english, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("ru", "Русский")],
                default="en",
                max_length=8,
                verbose_name="language",
            ),
        ),
    ]
