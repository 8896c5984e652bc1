"""Task files become core attachments: `uploaded_at` is renamed `created_at` (rows and files stay),
a SHA-256 and a thumbnail are added, new uploads go under random paths."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import portal.core.attachments


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0005_file_content_type_detected"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The index names the old field: it goes first and comes back on the renamed one.
        migrations.RemoveIndex(model_name="taskfile", name="taskfile_task"),
        migrations.RenameField(model_name="taskfile", old_name="uploaded_at", new_name="created_at"),
        migrations.AlterModelOptions(
            name="taskfile",
            options={"ordering": ["-created_at", "-id"], "verbose_name": "task file"},
        ),
        migrations.AddIndex(
            model_name="taskfile",
            index=models.Index(fields=["task", "-created_at"], name="taskfile_task"),
        ),
        migrations.AlterField(
            model_name="taskfile",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="uploaded"),
        ),
        migrations.AddField(
            model_name="taskfile",
            name="sha256",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="taskfile",
            name="thumbnail",
            field=models.FileField(
                blank=True,
                editable=False,
                max_length=500,
                upload_to=portal.core.attachments.attachment_thumbnail_upload_to,
            ),
        ),
        migrations.AlterField(
            model_name="taskfile",
            name="content_type",
            field=models.CharField(blank=True, max_length=200, verbose_name="type"),
        ),
        migrations.AlterField(
            model_name="taskfile",
            name="file",
            field=models.FileField(
                max_length=500, upload_to=portal.core.attachments.attachment_upload_to, verbose_name="file"
            ),
        ),
        migrations.AlterField(
            model_name="taskfile",
            name="size",
            field=models.PositiveBigIntegerField(default=0, verbose_name="size"),
        ),
        migrations.AlterField(
            model_name="taskfile",
            name="uploaded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="uploaded by",
            ),
        ),
    ]
