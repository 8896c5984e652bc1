"""Thumbnails are served with the type detected when they were made, like every stored file; existing
ones get theirs from their stored bytes."""

from django.db import migrations, models


def detect_thumbnail_types(apps, schema_editor):
    from portal.core.attachments import INLINE_IMAGE_TYPES, redetect_content_types

    redetect_content_types(
        apps.get_model("stream", "Photo"),
        file_field="thumbnail",
        type_field="thumbnail_content_type",
        allowed=INLINE_IMAGE_TYPES,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stream", "0002_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="thumbnail_content_type",
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.RunPython(detect_thumbnail_types, migrations.RunPython.noop, elidable=True),
    ]
