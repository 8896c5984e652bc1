"""Tasks: comments on a task (add, edit, delete), with mentions notified and unseen-comment counters recounted."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record
from portal.notifications.counters import counters_recount
from portal.notifications.services import notify
from portal.stream import mentions

from .. import selectors
from ..models import Task, TaskComment, TaskMember, TaskView
from . import effects
from .validation import _clean_text, _require, _require_visible

__all__ = [
    "comment_add",
    "comment_edit",
    "comment_delete",
]
COMMENT_MAX = 10_000
UNSEEN_COUNTER = "tasks.unseen_comments"


def _people_ids(task: Task) -> set[int]:
    """Everyone involved in the task: creator, responsible person, participants and observers."""
    ids = set(TaskMember.objects.filter(task=task).values_list("user_id", flat=True))
    return ids | {task.creator_id, task.responsible_id}


def _user_name(user) -> str:
    return user.full_name or user.email


# --- comments ----------------------------------------------------------------------------------------


def _comment_url(task: Task, comment: TaskComment) -> str:
    return f"{task.get_absolute_url()}#comment-{comment.pk}"


def _notify_mentions(*, actor, task: Task, comment: TaskComment, old_body: str = "") -> set[int]:
    """Notify people newly mentioned in the comment who may see the task; returns whom it notified."""
    ids = set(mentions.mentioned_ids(comment.body)) - set(mentions.mentioned_ids(old_body)) - {actor.pk}
    if not ids:
        return set()
    people = get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk")
    # Mentioning someone does not show them the task: only those who see it already hear of it.
    readers = {person.pk for person in people if selectors.can_see(person, task)}
    notify(
        recipients=sorted(readers),
        kind="mention",
        title=i18n.message(
            gettext_lazy("%(name)s mentioned you in the task “%(task)s”"),
            name=_user_name(actor),
            task=task.title,
        ),
        actor=actor,
        body=mentions.plain(comment.body)[:300],
        url=_comment_url(task, comment),
        target=task,
    )
    return readers


def _comments_changed(*, task: Task, people: set[int]) -> None:
    """After commit: the task's search text and the people's "new comments" counters follow the change."""
    effects.task_search_text_refresh(task_ids=[task.pk])
    counters_recount(people, [UNSEEN_COUNTER])


@transaction.atomic
def comment_add(*, actor, task: Task, body: str) -> TaskComment:
    """Comment on a task (everyone who sees it). Mentioned people who see the task get a "mention"
    notification, the task's other people a "task_comment" one; the author has seen the task now."""
    _require_visible(actor, task)
    _require(selectors.can_comment(actor, task), _("You may not comment on this task."))
    body = _clean_text(body, field="body", max_length=COMMENT_MAX, empty=_("Write a comment first."))
    now = timezone.now()
    comment = TaskComment.objects.create(task=task, author=actor, body=body, created_at=now)
    Task.objects.filter(pk=task.pk).update(comments_count=F("comments_count") + 1, last_comment_at=now)
    task.refresh_from_db(fields=["comments_count", "last_comment_at"])
    TaskView.objects.update_or_create(user=actor, task=task, defaults={"seen_at": now})
    audit_record(
        actor=actor,
        action="task.comment_add",
        target=task,
        changes={"comment": comment.pk, "body": mentions.plain(body)[:300]},
    )
    mentioned = _notify_mentions(actor=actor, task=task, comment=comment)
    people = _people_ids(task)
    notify(
        recipients=sorted(people - mentioned - {actor.pk}),
        kind="task_comment",
        title=i18n.message(
            gettext_lazy("%(name)s commented on “%(task)s”"), name=_user_name(actor), task=task.title
        ),
        actor=actor,
        body=mentions.plain(body)[:300],
        url=_comment_url(task, comment),
        target=task,
    )
    # The author is recounted too: marking the task seen may clear comments they had not read.
    _comments_changed(task=task, people=people | {actor.pk})
    return comment


@transaction.atomic
def comment_edit(*, actor, comment: TaskComment, body: str) -> TaskComment:
    """The author changes their comment; it is shown as edited. Newly mentioned people are notified."""
    task = comment.task
    _require_visible(actor, task)
    _require(comment.author_id == actor.pk, _("Only the author may change this comment."))
    body = _clean_text(body, field="body", max_length=COMMENT_MAX, empty=_("Write a comment first."))
    old = comment.body
    if body == old:
        return comment
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    audit_record(
        actor=actor,
        action="task.comment_edit",
        target=task,
        changes={"comment": comment.pk, "body": [mentions.plain(old)[:300], mentions.plain(body)[:300]]},
    )
    _notify_mentions(actor=actor, task=task, comment=comment, old_body=old)
    effects.task_search_text_refresh(task_ids=[task.pk])
    return comment


@transaction.atomic
def comment_delete(*, actor, comment: TaskComment) -> None:
    """Delete a comment (its author, the task's creator, admins); the task's numbers follow."""
    task = comment.task
    _require_visible(actor, task)
    _require(
        comment.author_id == actor.pk or selectors.can_edit(actor, task),
        _("Only the author or the task's creator may delete this comment."),
    )
    deleted, _rows = TaskComment.objects.filter(pk=comment.pk).delete()
    if not deleted:
        return
    last = (
        TaskComment.objects.filter(task=task)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    Task.objects.filter(pk=task.pk).update(comments_count=F("comments_count") - 1, last_comment_at=last)
    task.refresh_from_db(fields=["comments_count", "last_comment_at"])
    audit_record(
        actor=actor,
        action="task.comment_delete",
        target=task,
        changes={"comment": comment.pk, "author": comment.author, "body": mentions.plain(comment.body)[:300]},
    )
    _comments_changed(task=task, people=_people_ids(task))
