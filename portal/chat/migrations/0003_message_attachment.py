"""A chat message's file moves from four columns of `Message` into a `MessageAttachment` row (a core
attachment). Every stored file stays where it is; the rows are copied before the columns go."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import portal.core.attachments


def files_to_rows(apps, schema_editor):
    Message = apps.get_model("chat", "Message")
    MessageAttachment = apps.get_model("chat", "MessageAttachment")
    # values() reads the old columns; the new rows take the message's author and time.
    old = Message.objects.exclude(attachment="").values(
        "pk", "attachment", "attachment_name", "attachment_size", "attachment_type", "author_id"
    )
    batch = []
    for row in old.iterator(chunk_size=1000):
        batch.append(
            MessageAttachment(
                message_id=row["pk"],
                file=row["attachment"],
                name=row["attachment_name"] or "file",
                size=row["attachment_size"],
                content_type=row["attachment_type"],
                uploaded_by_id=row["author_id"],
            )
        )
        if len(batch) >= 1000:
            MessageAttachment.objects.bulk_create(batch)
            batch = []
    MessageAttachment.objects.bulk_create(batch)
    # auto_now_add stamped the copies with today; they were uploaded with their message.
    MessageAttachment.objects.update(
        created_at=Subquery(Message.objects.filter(pk=OuterRef("message_id")).values("created_at")[:1])
    )


def rows_to_files(apps, schema_editor):
    Message = apps.get_model("chat", "Message")
    MessageAttachment = apps.get_model("chat", "MessageAttachment")
    for row in MessageAttachment.objects.values(
        "message_id", "file", "name", "size", "content_type"
    ).iterator():
        Message.objects.filter(pk=row["message_id"]).update(
            attachment=row["file"],
            attachment_name=row["name"],
            attachment_size=row["size"],
            attachment_type=row["content_type"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_attachment_type_detected"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MessageAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        max_length=500,
                        upload_to=portal.core.attachments.attachment_upload_to,
                        verbose_name="file",
                    ),
                ),
                ("name", models.CharField(max_length=255, verbose_name="name")),
                ("content_type", models.CharField(blank=True, max_length=200, verbose_name="type")),
                ("size", models.PositiveBigIntegerField(default=0, verbose_name="size")),
                ("sha256", models.CharField(blank=True, editable=False, max_length=64)),
                (
                    "thumbnail",
                    models.FileField(
                        blank=True,
                        editable=False,
                        max_length=500,
                        upload_to=portal.core.attachments.attachment_thumbnail_upload_to,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded")),
                (
                    "message",
                    # "+" until the old `attachment` column is gone, so the two names never meet.
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="chat.message"
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="uploaded by",
                    ),
                ),
            ],
            options={"verbose_name": "chat file"},
        ),
        migrations.RunPython(files_to_rows, rows_to_files),
        migrations.RemoveField(model_name="message", name="attachment"),
        migrations.RemoveField(model_name="message", name="attachment_name"),
        migrations.RemoveField(model_name="message", name="attachment_size"),
        migrations.RemoveField(model_name="message", name="attachment_type"),
        migrations.AlterField(
            model_name="messageattachment",
            name="message",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, related_name="attachment", to="chat.message"
            ),
        ),
    ]
