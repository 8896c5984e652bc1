"""Profile photos are served with the type detected when they were uploaded, never one guessed from the
file name. Existing photos get theirs from their stored bytes (anything but a JPEG, PNG, GIF or WebP
becomes application/octet-stream, a download)."""

from django.db import migrations, models


def detect_photo_types(apps, schema_editor):
    from portal.core.attachments import INLINE_IMAGE_TYPES, redetect_content_types

    redetect_content_types(
        apps.get_model("people", "User"),
        file_field="photo",
        type_field="photo_content_type",
        allowed=INLINE_IMAGE_TYPES,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="photo_content_type",
            field=models.CharField(blank=True, editable=False, max_length=50),
        ),
        migrations.RunPython(detect_photo_types, migrations.RunPython.noop, elidable=True),
    ]
