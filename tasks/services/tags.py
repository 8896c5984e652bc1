"""Tasks: tags (personal or a workgroup's): create, rename, merge, delete, resolve names, set a task's tags."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import NotFound
from portal.core.permissions import is_portal_admin
from portal.groups import selectors as group_selectors

from .. import selectors
from ..models import Tag, Task, TaskTag
from .validation import _require, _require_actor, _require_visible

__all__ = [
    "tag_create",
    "tag_rename",
    "tag_merge",
    "tag_delete",
    "tags_resolve",
    "task_set_tags",
]
TAG_NAME_MAX = Tag._meta.get_field("name").max_length


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
        raise NotFound(_("No workgroup matches the given query."))
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
        raise NotFound(_("No tag matches the given query."))
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
