"""Tasks awaiting their creator's control keep when the responsible person completed them in `completed_at`
(it used to be set only when the creator accepted). Existing ones get it from the history row of the
completion, or from their last change when there is none."""

from django.db import migrations

BATCH = 500


def fill_completed_at(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    AuditLog = apps.get_model("core", "AuditLog")
    ContentType = apps.get_model("contenttypes", "ContentType")

    waiting = dict(
        Task.objects.filter(status="awaiting_control", completed_at__isnull=True).values_list(
            "pk", "updated_at"
        )
    )
    if not waiting:
        return
    task_type = ContentType.objects.filter(app_label="tasks", model="task").first()
    handed_in = {}
    ids = sorted(waiting)
    for start in range(0, len(ids), BATCH):
        chunk = [str(pk) for pk in ids[start : start + BATCH]]
        if task_type is None:
            break
        rows = (
            AuditLog.objects.filter(target_type=task_type, action="task.status", target_id__in=chunk)
            .order_by("created_at", "id")
            .values_list("target_id", "created_at", "changes")
        )
        for target_id, created_at, changes in rows:
            status = (changes or {}).get("status") if isinstance(changes, dict) else None
            if isinstance(status, list) and len(status) == 2 and status[1] == "awaiting_control":
                handed_in[int(target_id)] = created_at  # the latest completion wins
    Task.objects.bulk_update(
        [Task(pk=pk, completed_at=handed_in.get(pk, updated_at)) for pk, updated_at in waiting.items()],
        ["completed_at"],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0003_open_deadline_index"),
        ("core", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(fill_completed_at, migrations.RunPython.noop)]
