"""Tasks: the checks every task service runs first (who may act, what the input may be). Each field check
raises ValidationError with a field dict; `_Checks` collects them so one call reports every bad field.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import NotAllowed, NotFound

from .. import selectors
from ..choices import (
    TaskPriority,
)
from ..models import Tag, Task
from .effects import WALK_LIMIT, _name

__all__ = [
    "UNSET",
]

UNSET: object = object()

TITLE_MAX = 250
DESCRIPTION_MAX = 100_000
CHECKLIST_TEXT_MAX = 500
COMMENT_MAX = 10_000
# The longest estimate (10,000 hours, as the task form allows), in seconds.
ESTIMATE_MAX = 10_000 * 3600


# --- guards and small helpers ------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _require_visible(actor, task: Task) -> None:
    _require_actor(actor)
    if task is None or task.pk is None or not selectors.can_see(actor, task):
        raise NotFound(_("No task matches the given query."))


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


# --- validation --------------------------------------------------------------------------------------


class _Checks:
    """Runs the field checks of one call and raises every field error at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def run(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.errors.setdefault(key, []).extend(messages)
            return None

    def done(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _clean_title(title) -> str:
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationError({"title": [_("Give the task a title.")]})
    if len(title) > TITLE_MAX:
        raise ValidationError(
            {"title": [_("The title is too long (%(max)d characters at most).") % {"max": TITLE_MAX}]}
        )
    return title


def _clean_description(description) -> str:
    description = str(description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(
            {
                "description": [
                    _("The description is too long (%(max)d characters at most).") % {"max": DESCRIPTION_MAX}
                ]
            }
        )
    return description


def _clean_person(person, field_name: str):
    if not isinstance(person, get_user_model()) or person.pk is None:
        raise ValidationError({field_name: [_("Choose a colleague.")]})
    if not person.is_active:
        raise ValidationError(
            {field_name: [_("%(name)s is no longer with the company.") % {"name": _name(person)}]}
        )
    return person


def _clean_priority(priority) -> str:
    if priority not in TaskPriority.values:
        raise ValidationError({"priority": [_("Choose normal or high priority.")]})
    return priority


def _clean_estimate(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({"time_estimate": [_("The estimate is a number of seconds, 0 or more.")]})
    if value > ESTIMATE_MAX:
        raise ValidationError({"time_estimate": [_("The estimate is at most 10,000 hours.")]})
    return value


def _clean_moment(value, field_name: str) -> datetime.datetime | None:
    """An aware datetime (a naive one is read in the current time zone)."""
    if value is None or value == "":
        return None
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field_name: [_("Enter a date and time.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _check_planned_order(planned_start, planned_end) -> None:
    if planned_start and planned_end and planned_end < planned_start:
        raise ValidationError({"planned_end": [_("The planned end cannot be before the planned start.")]})


def _clean_group(actor, group):
    if group is None:
        return None
    from portal.groups import selectors as group_selectors
    from portal.groups.models import Workgroup

    if not isinstance(group, Workgroup) or not group_selectors.can_see(actor, group):
        raise ValidationError({"group": [_("Choose a workgroup or project you can see.")]})
    if group.is_archived:
        raise ValidationError({"group": [_("This group is archived; it takes no new tasks.")]})
    return group


def _clean_parent(actor, parent, *, task: Task | None = None):
    """A visible parent that is neither the task itself nor one of its subtasks (no cycles)."""
    if parent is None:
        return None
    if not isinstance(parent, Task) or parent.pk is None or not selectors.can_see(actor, parent):
        raise ValidationError({"parent": [_("Choose a parent task you can see.")]})
    if task is not None:
        if parent.pk == task.pk:
            raise ValidationError({"parent": [_("A task cannot be its own parent.")]})
        # Walk up from the new parent: meeting the task means the parent is one of its subtasks.
        current, steps = parent.parent_id, 0
        while current and steps < WALK_LIMIT:
            if current == task.pk:
                raise ValidationError(
                    {"parent": [_("A task cannot be moved under one of its own subtasks.")]}
                )
            current = Task.objects.filter(pk=current).values_list("parent_id", flat=True).first()
            steps += 1
    return parent


def _clean_people(people, field_name: str, *, keep_ids: set[int] = frozenset()) -> list:
    out, seen = [], set()
    for person in people or ():
        if not (isinstance(person, get_user_model()) and person.pk in keep_ids):
            _clean_person(person, field_name)
        if person.pk not in seen:
            seen.add(person.pk)
            out.append(person)
    return out


def _clean_members(
    participants, observers, *, exclude_ids: set[int], keep_ids: set[int] = frozenset()
) -> tuple[list, list]:
    """Participants and observers without repeats, without the creator and responsible person; a person
    holds one role at most. New people must be active (`keep_ids`: people already on the task)."""
    participants = [
        p for p in _clean_people(participants, "participants", keep_ids=keep_ids) if p.pk not in exclude_ids
    ]
    observers = [
        p for p in _clean_people(observers, "observers", keep_ids=keep_ids) if p.pk not in exclude_ids
    ]
    both = {p.pk for p in participants} & {p.pk for p in observers}
    if both:
        names = ", ".join(_name(p) for p in observers if p.pk in both)
        raise ValidationError(
            {
                "observers": [
                    _("A person is either a participant or an observer, not both: %(names)s.")
                    % {"names": names}
                ]
            }
        )
    return participants, observers


def _clean_tags(actor, tags) -> list[Tag]:
    tags = list(dict.fromkeys(tags or ()))
    if not tags:
        return []
    if not all(isinstance(t, Tag) and t.pk for t in tags):
        raise ValidationError({"tags": [_("Choose existing tags.")]})
    usable = set(
        Tag.objects.visible_to(actor).filter(pk__in=[t.pk for t in tags]).values_list("pk", flat=True)
    )
    if usable != {t.pk for t in tags}:
        raise ValidationError({"tags": [_("You may only use your own tags and those of your groups.")]})
    return tags


def _clean_checklist(lines) -> list[str]:
    if isinstance(lines, str):
        lines = lines.splitlines()
    out = []
    for line in lines or ():
        text = " ".join(str(line or "").split())
        if not text:
            continue
        if len(text) > CHECKLIST_TEXT_MAX:
            raise ValidationError(
                {
                    "checklist": [
                        _("A checklist item is too long (%(max)d characters at most).")
                        % {"max": CHECKLIST_TEXT_MAX}
                    ]
                }
            )
        out.append(text)
    return out


def _clean_comment(comment, *, required: bool, message: str) -> str:
    comment = str(comment or "").strip()
    if required and not comment:
        raise ValidationError({"comment": [message]})
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {"comment": [_("The comment is too long (%(max)d characters at most).") % {"max": COMMENT_MAX}]}
        )
    return comment


def _clean_text(text, *, field: str, max_length: int, empty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [empty]})
    if len(text) > max_length:
        raise ValidationError(
            {field: [_("The text is too long (%(max)s characters at most).") % {"max": f"{max_length:,}"}]}
        )
    return text
