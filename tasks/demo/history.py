"""The history moved back to when it happened."""

from __future__ import annotations

import datetime

from .stories import TaskStories


class Backdating(TaskStories):
    """The history moved back to when it happened."""

    def backdate(self) -> None:
        """Move each task's history (creation, start, closing, comments, stream entries, audit rows,
        notifications) to when it happened, keeping the order of events."""
        from django.contrib.contenttypes.models import ContentType

        from portal.core.models import AuditLog
        from portal.notifications.models import Notification
        from portal.stream.models import Entry
        from tasks.models import Task, TaskComment, TaskView

        now = self.now
        by_id = {s.task.pk: s for s in self.stories}
        rows = {t.pk: t for t in Task.objects.filter(pk__in=list(by_id))}
        changed = []
        for pk, story in by_id.items():
            task = rows[pk]
            created = min(story.created_at, now - datetime.timedelta(hours=1))
            task.created_at = created
            if task.started_at:
                task.started_at = max(created, min(story.started_at or created, now))
            if task.completed_at:
                closed = story.closed_at or task.completed_at
                task.completed_at = max(task.started_at or created, min(closed, now))
            end = task.completed_at or now
            task.became_overdue = bool(task.deadline and end > task.deadline)
            task.updated_at = end
            changed.append(task)
        Task.objects.bulk_update(
            changed,
            ["created_at", "started_at", "completed_at", "became_overdue", "updated_at"],
            batch_size=200,
        )

        def window(task_id: str | int):
            task = rows[int(task_id)]
            return task.created_at, task.completed_at or now - datetime.timedelta(minutes=30)

        def spread(items, task_of, inner: bool) -> None:
            """Put the items of each task, in their order, evenly over the task's life: from its creation to
            its closing (`inner`: strictly between the two, as comments are)."""
            groups: dict[int, list] = {}
            for item in items:
                groups.setdefault(int(task_of(item)), []).append(item)
            for task_id, group in groups.items():
                start, end = window(task_id)
                n = len(group)
                for i, item in enumerate(group):
                    share = (i + 1) / (n + 1) if inner else (i / (n - 1) if n > 1 else 0)
                    item.created_at = start + (end - start) * share

        ids = list(by_id)
        comments = list(TaskComment.objects.filter(task_id__in=ids).order_by("task_id", "created_at", "id"))
        spread(comments, lambda c: c.task_id, inner=True)
        TaskComment.objects.bulk_update(comments, ["created_at"], batch_size=200)
        # The authors saw the task when they wrote; nobody else's reading is invented.
        latest: dict[tuple[int, int], datetime.datetime] = {}
        for c in comments:
            key = (c.task_id, c.author_id)
            latest[key] = max(latest.get(key, c.created_at), c.created_at)
        views = list(TaskView.objects.filter(task_id__in=ids))
        for view in views:
            if (view.task_id, view.user_id) in latest:
                view.seen_at = latest[(view.task_id, view.user_id)]
        TaskView.objects.bulk_update(views, ["seen_at"], batch_size=200)
        last: dict[int, datetime.datetime] = {}
        for c in comments:
            last[c.task_id] = max(last.get(c.task_id, c.created_at), c.created_at)
        for task_id, moment in last.items():
            Task.objects.filter(pk=task_id).update(last_comment_at=moment)

        task_type = ContentType.objects.get_for_model(Task)
        str_ids = [str(i) for i in ids]

        for model in (AuditLog, Entry, Notification):
            items = list(
                model.objects.filter(target_type=task_type, target_id__in=str_ids).order_by("target_id", "id")
            )
            spread(items, lambda item: item.target_id, inner=False)
            model.objects.bulk_update(items, ["created_at"], batch_size=200)
