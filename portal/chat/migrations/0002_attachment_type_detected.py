"""Attachments used to get their type from their name (so a file named `.html` was text/html); the type
now comes from the bytes. Existing attachments get theirs from their stored bytes."""

from django.db import migrations


def detect_attachment_types(apps, schema_editor):
    from portal.core.attachments import redetect_content_types

    redetect_content_types(
        apps.get_model("chat", "Message"), file_field="attachment", type_field="attachment_type"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(detect_attachment_types, migrations.RunPython.noop, elidable=True),
    ]
