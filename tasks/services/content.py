"""Tasks: checklist, comments, files and tags.

Every service is keyword-only and atomic. A task the actor may not see answers 404 (Http404); a visible
task without the right answers 403 (PermissionDenied); bad input raises ValidationError({field: [msg]})
and writes nothing. Changes of a task's checklist, comments, files and tags are audited on the TASK (so
they show in its history); changes of tags themselves are audited on the tag. Stored numbers on Task
(`checklist_count`, `checklist_done`, `comments_count`, `files_count`, `last_comment_at`) are kept with F().
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.attachments import check_file_upload
from portal.core.audit import audit_record
from portal.core.permissions import is_portal_admin
from portal.groups import selectors as group_selectors
from portal.notifications.counters import counters_recount
from portal.notifications.services import notify
from portal.stream import mentions

from .. import selectors
from ..models import ChecklistItem, Tag, Task, TaskComment, TaskFile, TaskMember, TaskTag, TaskView
from . import core
from .core import UNSET

__all__ = [
    "checklist_item_add",
    "checklist_item_update",
    "checklist_item_toggle",
    "checklist_item_delete",
    "checklist_reorder",
    "comment_add",
    "comment_edit",
    "comment_delete",
    "file_attach",
    "file_delete",
    "tag_create",
    "tag_rename",
    "tag_merge",
    "tag_delete",
    "tags_resolve",
    "task_set_tags",
]

CHECKLIST_TEXT_MAX = ChecklistItem._meta.get_field("text").max_length
COMMENT_MAX = 10_000
TAG_NAME_MAX = Tag._meta.get_field("name").max_length
FILE_MAX_BYTES_DEFAULT = 20 * 1024 * 1024
UNSEEN_COUNTER = "tasks.unseen_comments"


# --- guards ------------------------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("Sign in first."))


def _require_visible(actor, task: Task) -> None:
    _require_actor(actor)
    if not selectors.can_see(actor, task):
        raise Http404("No task matches the given query.")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _can_manage_checklist(user, task: Task) -> bool:
    """Add, change, remove and reorder checklist lines: the creator, the responsible person and admins."""
    return selectors.can_edit(user, task) or task.responsible_id == user.pk


def _bump(task: Task, **deltas: int) -> None:
    """Move stored numbers of `task` by `deltas` in the database and refresh them on the instance."""
    Task.objects.filter(pk=task.pk).update(**{f: F(f) + d for f, d in deltas.items()})
    task.refresh_from_db(fields=list(deltas))


def _clean_text(text, *, field: str, max_length: int, empty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [empty]})
    if len(text) > max_length:
        raise ValidationError(
            {field: [_("The text is too long (%(max)s characters at most).") % {"max": f"{max_length:,}"}]}
        )
    return text


def _people_ids(task: Task) -> set[int]:
    """Everyone involved in the task: creator, responsible person, participants and observers."""
    ids = set(TaskMember.objects.filter(task=task).values_list("user_id", flat=True))
    return ids | {task.creator_id, task.responsible_id}


def _user_name(user) -> str:
    return user.full_name or user.email


# --- checklist ---------------------------------------------------------------------------------------


def _clean_assignee(assignee):
    if assignee is None:
        return None
    if not getattr(assignee, "is_active", False):
        raise ValidationError({"assignee": [_("Only an active colleague can be assigned a checklist item.")]})
    return assignee


@transaction.atomic
def checklist_item_add(*, actor, task: Task, text: str, assignee=None) -> ChecklistItem:
    """Add a line at the end of the task's checklist (the creator, the responsible person, admins)."""
    _require_visible(actor, task)
    _require(
        _can_manage_checklist(actor, task),
        _("Only the creator and the responsible person change the checklist."),
    )
    text = _clean_text(text, field="text", max_length=CHECKLIST_TEXT_MAX, empty=_("Write the item first."))
    assignee = _clean_assignee(assignee)
    # The task row is the lock that keeps two concurrent additions from taking the same position.
    Task.objects.select_for_update().filter(pk=task.pk).values_list("pk", flat=True).first()
    last = ChecklistItem.objects.filter(task=task).aggregate(last=Max("position"))["last"]
    item = ChecklistItem.objects.create(
        task=task, text=text, assignee=assignee, position=0 if last is None else last + 1
    )
    _bump(task, checklist_count=1)
    audit_record(
        actor=actor,
        action="task.checklist_add",
        target=task,
        changes={"item": text, "assignee": assignee},
    )
    return item


@transaction.atomic
def checklist_item_update(
    *, actor, item: ChecklistItem, text: str | object = UNSET, assignee: object = UNSET
) -> ChecklistItem:
    """Change a line's text or assignee (None clears it). Same rights as adding; left-out arguments stay."""
    task = item.task
    _require_visible(actor, task)
    _require(
        _can_manage_checklist(actor, task),
        _("Only the creator and the responsible person change the checklist."),
    )
    changes: dict[str, list] = {}
    if text is not UNSET:
        text = _clean_text(
            text, field="text", max_length=CHECKLIST_TEXT_MAX, empty=_("Write the item first.")
        )
        if text != item.text:
            changes["text"] = [item.text, text]
            item.text = text
    if assignee is not UNSET:
        assignee = _clean_assignee(assignee)
        new_id = assignee.pk if assignee is not None else None
        if new_id != item.assignee_id:
            changes["assignee"] = [item.assignee, assignee]
            item.assignee = assignee
    if changes:
        item.save(update_fields=[*changes.keys()])
        audit_record(
            actor=actor,
            action="task.checklist_update",
            target=task,
            changes={"item": item.text, **changes},
        )
    return item


@transaction.atomic
def checklist_item_toggle(*, actor, item: ChecklistItem, done: bool | None = None) -> ChecklistItem:
    """Tick or untick a line (`done=None` flips it): the task's participants and the item's assignee."""
    task = item.task
    _require_visible(actor, task)
    _require(
        selectors.can_participate(actor, task) or item.assignee_id == actor.pk,
        _("Only the task's participants tick its checklist."),
    )
    current = (
        ChecklistItem.objects.select_for_update().filter(pk=item.pk).values_list("is_done", flat=True).first()
    )
    if current is None:
        raise Http404("No checklist item matches the given query.")
    target = (not current) if done is None else bool(done)
    if target == current:
        item.is_done = current
        return item
    now = timezone.now() if target else None
    by = actor if target else None
    # Only the request that really flips the row moves the task's number.
    flipped = ChecklistItem.objects.filter(pk=item.pk, is_done=current).update(
        is_done=target, done_by=by, done_at=now
    )
    item.is_done, item.done_by, item.done_at = target, by, now
    if flipped:
        _bump(task, checklist_done=1 if target else -1)
        audit_record(
            actor=actor,
            action="task.checklist_toggle",
            target=task,
            changes={"item": item.text, "is_done": [current, target]},
        )
    return item


@transaction.atomic
def checklist_item_delete(*, actor, item: ChecklistItem) -> None:
    """Remove a line (the creator, the responsible person, admins); the task's numbers follow."""
    task = item.task
    _require_visible(actor, task)
    _require(
        _can_manage_checklist(actor, task),
        _("Only the creator and the responsible person change the checklist."),
    )
    row = ChecklistItem.objects.select_for_update().filter(pk=item.pk).values("is_done", "text").first()
    if row is None:
        return
    ChecklistItem.objects.filter(pk=item.pk).delete()
    _bump(task, checklist_count=-1, **({"checklist_done": -1} if row["is_done"] else {}))
    audit_record(actor=actor, action="task.checklist_delete", target=task, changes={"item": row["text"]})


@transaction.atomic
def checklist_reorder(*, actor, task: Task, item_ids: list[int]) -> None:
    """Put the checklist in the given order. `item_ids` must name every item of the task exactly once."""
    _require_visible(actor, task)
    _require(
        _can_manage_checklist(actor, task),
        _("Only the creator and the responsible person change the checklist."),
    )
    try:
        ids = [int(i) for i in item_ids]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"item_ids": [_("The order names items that do not exist.")]}) from exc
    items = {item.pk: item for item in ChecklistItem.objects.select_for_update().filter(task=task)}
    if len(ids) != len(set(ids)) or set(ids) != set(items):
        raise ValidationError(
            {"item_ids": [_("The order must list every item of this checklist exactly once.")]}
        )
    old_order = [item.pk for item in sorted(items.values(), key=lambda i: (i.position, i.pk))]
    changed = []
    for position, pk in enumerate(ids):
        item = items[pk]
        if item.position != position:
            item.position = position
            changed.append(item)
    if not changed:
        return
    ChecklistItem.objects.bulk_update(changed, ["position"])
    audit_record(
        actor=actor,
        action="task.checklist_reorder",
        target=task,
        changes={"order": [", ".join(map(str, old_order)), ", ".join(map(str, ids))]},
    )


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
        title=_("%(name)s mentioned you in the task “%(task)s”") % {"name": _user_name(actor), "task": task},
        actor=actor,
        body=mentions.plain(comment.body)[:300],
        url=_comment_url(task, comment),
        target=task,
    )
    return readers


def _comments_changed(*, task: Task, people: set[int]) -> None:
    """After commit: the task's search text and the people's "new comments" counters follow the change."""
    core.task_search_text_refresh(task_ids=[task.pk])
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
        title=_("%(name)s commented on “%(task)s”") % {"name": _user_name(actor), "task": task},
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
    core.task_search_text_refresh(task_ids=[task.pk])
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


# --- files -------------------------------------------------------------------------------------------


def _file_max_bytes() -> int:
    return int(getattr(settings, "TASKS_FILE_MAX_BYTES", FILE_MAX_BYTES_DEFAULT))


@transaction.atomic
def file_attach(*, actor, task: Task, upload) -> TaskFile:
    """Attach a file to a task (its participants). Empty files and files over TASKS_FILE_MAX_BYTES
    (default 20 MB) are refused; the name is sanitised, the type detected from the bytes and the stored name
    made unguessable (core attachments)."""
    _require_visible(actor, task)
    _require(selectors.can_participate(actor, task), _("Only the task's participants attach files."))
    clean = check_file_upload(upload, field="file", max_bytes=_file_max_bytes())
    name, size = clean.name, clean.size
    task_file = TaskFile(task=task, name=name, size=size, content_type=clean.content_type, uploaded_by=actor)
    # The stored name is random with the detected type's extension; the display name stays as sanitised.
    task_file.file.save(clean.stored_name, clean.content, save=False)
    storage, stored = task_file.file.storage, task_file.file.name
    # Should a write fail after the bytes are stored, they must not be left behind.
    try:
        task_file.save()
        _bump(task, files_count=1)
        audit_record(
            actor=actor,
            action="task.file_attach",
            target=task,
            changes={"file": name, "size": size},
        )
    except Exception:
        storage.delete(stored)
        raise
    return task_file


@transaction.atomic
def file_delete(*, actor, file: TaskFile) -> None:
    """Delete an attached file (its uploader, the task's creator, admins); the stored file goes on commit."""
    task = file.task
    _require_visible(actor, task)
    _require(
        file.uploaded_by_id == actor.pk or selectors.can_edit(actor, task),
        _("Only the person who attached the file or the task's creator may delete it."),
    )
    storage, stored, name = file.file.storage, file.file.name, file.name
    deleted, _rows = TaskFile.objects.filter(pk=file.pk).delete()
    if not deleted:
        return
    _bump(task, files_count=-1)
    audit_record(actor=actor, action="task.file_delete", target=task, changes={"file": name})
    transaction.on_commit(lambda: storage.delete(stored))


# --- tags --------------------------------------------------------------------------------------------


def _clean_tag_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the tag a name.")]})
    if len(name) > TAG_NAME_MAX:
        raise ValidationError(
            {"name": [_("The tag name is too long (%(max)d characters at most).") % {"max": TAG_NAME_MAX}]}
        )
    if "," in name:
        raise ValidationError({"name": [_("A tag name cannot contain commas.")]})
    return name


def _scope(*, owner=None, group=None) -> Q:
    return Q(group=group) if group is not None else Q(owner=owner, group__isnull=True)


def _tag_scope(tag: Tag) -> Q:
    return _scope(owner=tag.owner_id, group=tag.group_id)


def _require_group_member(actor, group) -> None:
    """Shared tags of a group are made by its members (and admins); a secret group's outsiders get 404."""
    if not group_selectors.can_see(actor, group):
        raise Http404("No workgroup matches the given query.")
    _require(
        group_selectors.can_reach_content(actor, group),
        _("Only members of the group make its shared tags."),
    )


def _can_manage_tag(user, tag: Tag) -> bool:
    """Rename, merge, delete: the owner of a personal tag; owners and moderators of a group's; admins."""
    if is_portal_admin(user):
        return True
    if tag.group_id is None:
        return tag.owner_id == user.pk
    return group_selectors.can_moderate(user, tag.group)


def _require_tag(actor, tag: Tag) -> None:
    _require_actor(actor)
    if not Tag.objects.visible_to(actor).filter(pk=tag.pk).exists():
        raise Http404("No tag matches the given query.")
    _require(_can_manage_tag(actor, tag), _("You may not change this tag."))


def _name_taken(*, name: str, scope: Q, exclude_pk=None) -> Tag | None:
    qs = Tag.objects.filter(scope, name__iexact=name)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _create_tag(*, actor, name: str, group=None) -> Tag:
    owner = None if group is not None else actor
    if _name_taken(name=name, scope=_scope(owner=owner, group=group)):
        raise ValidationError(
            {"name": [_("There is a tag “%(name)s” already.") % {"name": name}]}, code="tag_exists"
        )
    try:
        with transaction.atomic():
            tag = Tag.objects.create(name=name, owner=owner, group=group)
    except IntegrityError as exc:  # a concurrent request made it first
        raise ValidationError(
            {"name": [_("There is a tag “%(name)s” already.") % {"name": name}]}, code="tag_exists"
        ) from exc
    audit_record(actor=actor, action="tag.create", target=tag, changes={"name": name, "group": group})
    return tag


@transaction.atomic
def tag_create(*, actor, name: str, group=None) -> Tag:
    """Make a personal tag, or a tag shared within `group` (its members and admins). Names are unique
    (ignoring case) per person or group, at most 60 characters, without commas."""
    _require_actor(actor)
    if group is not None:
        _require_group_member(actor, group)
    return _create_tag(actor=actor, name=_clean_tag_name(name), group=group)


@transaction.atomic
def tag_rename(*, actor, tag: Tag, name: str) -> Tag:
    """Rename a tag (see `_can_manage_tag`). A name its scope already has is refused: merge instead."""
    _require_tag(actor, tag)
    name = _clean_tag_name(name)
    if name == tag.name:
        return tag
    existing = _name_taken(name=name, scope=_tag_scope(tag), exclude_pk=tag.pk)
    if existing is not None:
        raise ValidationError(
            {
                "name": [
                    _("There is a tag “%(name)s” already; merge the two tags instead of renaming.")
                    % {"name": existing.name}
                ]
            },
            code="tag_exists",
        )
    old = tag.name
    tag.name = name
    try:
        with transaction.atomic():
            tag.save(update_fields=["name"])
    except IntegrityError as exc:
        tag.name = old
        raise ValidationError(
            {"name": [_("There is a tag “%(name)s” already; merge the two tags instead.") % {"name": name}]},
            code="tag_exists",
        ) from exc
    audit_record(actor=actor, action="tag.rename", target=tag, changes={"name": [old, name]})
    return tag


@transaction.atomic
def tag_merge(*, actor, source: Tag, target: Tag) -> Tag:
    """Move every task of `source` to `target` (no duplicates) and delete `source`. The actor must be
    allowed to change both tags. Returns `target`."""
    _require_tag(actor, source)
    _require_tag(actor, target)
    if source.pk == target.pk:
        raise ValidationError({"target": [_("Choose another tag to merge into.")]})
    both = TaskTag.objects.filter(tag=target).values("task_id")
    duplicates, _rows = TaskTag.objects.filter(tag=source, task_id__in=both).delete()
    moved = TaskTag.objects.filter(tag=source).update(tag=target)
    name = source.name
    source.delete()
    audit_record(
        actor=actor,
        action="tag.merge",
        target=target,
        changes={"source": name, "target": target.name, "tasks": moved + duplicates},
    )
    return target


@transaction.atomic
def tag_delete(*, actor, tag: Tag) -> None:
    """Delete a tag; the tasks lose it (see `_can_manage_tag` for who may)."""
    _require_tag(actor, tag)
    audit_record(
        actor=actor,
        action="tag.delete",
        target=tag,
        changes={"name": tag.name, "tasks": TaskTag.objects.filter(tag=tag).count()},
    )
    tag.delete()


def _split_names(names) -> list[str]:
    """Clean names from a list or a comma-separated string, without repeats (ignoring case), in order."""
    if isinstance(names, str):
        names = names.split(",")
    cleaned: dict[str, str] = {}
    for raw in names or ():
        if not str(raw or "").strip():
            continue
        name = _clean_tag_name(raw)
        cleaned.setdefault(name.casefold(), name)
    return list(cleaned.values())


@transaction.atomic
def tags_resolve(*, actor, names: Iterable[str] | str, group=None) -> list[Tag]:
    """Find or create the actor's personal tags (or `group`'s shared tags) by name, in the given order.
    `names` is a list or a comma-separated string; blanks are skipped and repeats counted once."""
    _require_actor(actor)
    if group is not None:
        _require_group_member(actor, group)
    wanted = _split_names(names)
    if not wanted:
        return []
    scope = _scope(owner=None if group is not None else actor, group=group)
    lookup = Q()
    for name in wanted:
        lookup |= Q(name__iexact=name)
    found: dict[str, Tag] = {}
    for tag in Tag.objects.filter(scope).filter(lookup).order_by("id"):
        found.setdefault(tag.name.casefold(), tag)
    return [found.get(name.casefold()) or _create_tag(actor=actor, name=name, group=group) for name in wanted]


@transaction.atomic
def task_set_tags(*, actor, task: Task, tags: Iterable[Tag | int]) -> None:
    """Set the task's tags as the actor sees them (its participants and creator). Every tag must be one the
    actor may use; tags of other people, which the actor does not see, stay on the task untouched."""
    _require_visible(actor, task)
    _require(selectors.can_participate(actor, task), _("Only the task's participants tag it."))
    ids = list(dict.fromkeys(int(getattr(t, "pk", t)) for t in tags))
    usable = Tag.objects.visible_to(actor)
    chosen = list(usable.filter(pk__in=ids))
    if len(chosen) != len(ids):
        raise ValidationError({"tags": [_("Some of the tags do not exist or are not yours to use.")]})
    current = list(Tag.objects.filter(task_tags__task=task).order_by("name", "id"))
    mine = set(usable.filter(task_tags__task=task).values_list("pk", flat=True)) if current else set()
    new_ids = {tag.pk for tag in chosen}
    removed = mine - new_ids
    added = new_ids - {tag.pk for tag in current}
    if not removed and not added:
        return
    if removed:
        TaskTag.objects.filter(task=task, tag_id__in=removed).delete()
    if added:
        TaskTag.objects.bulk_create([TaskTag(task=task, tag_id=pk) for pk in sorted(added)])

    # Each tag is recorded with its owner or group: the history shows a reader only the tags they may see.
    def refs(tags: Iterable[Tag]) -> list[dict]:
        ordered = sorted(tags, key=lambda tag: (tag.name.casefold(), tag.pk))
        return [selectors.history_tag_ref(tag) for tag in ordered]

    old_tags = refs(current)
    new_tags = refs([tag for tag in current if tag.pk not in removed] + [t for t in chosen if t.pk in added])
    audit_record(actor=actor, action="task.tags", target=task, changes={"tags": [old_tags, new_tags]})
