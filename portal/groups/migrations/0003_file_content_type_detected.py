"""Group files used to get their type from their name (so a file named `.html` was text/html); the type
now comes from the bytes. Existing files get theirs from their stored bytes."""

from django.db import migrations


def detect_file_types(apps, schema_editor):
    from portal.core.attachments import redetect_content_types

    redetect_content_types(
        apps.get_model("workgroups", "GroupFile"), file_field="file", type_field="content_type"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workgroups", "0002_search_indexes"),
    ]

    operations = [
        migrations.RunPython(detect_file_types, migrations.RunPython.noop, elidable=True),
    ]
