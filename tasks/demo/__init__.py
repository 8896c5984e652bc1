"""Tasks for the demo company, written through the tasks services (so the stream entries, notifications,
audit rows and counters exist as they would after weeks of real use).

`seed_demo_tasks()` runs after the company, people and groups exist (`portal.core.demo.seed_demo_social`):
- the three demo projects get a real plan: phases with 2-5 steps, some steps split once more, linked
  finish-to-start and dated one after the other, so the Gantt chart reads like a schedule; what lies in
  the past is done, what runs today is in progress, what comes later is new or accepted;
- every head hands out work to their people (and the CEO to the heads): a mix of every status, some
  overdue, some due soon, some without a deadline, some awaiting the creator's control, many completed
  over the past weeks (some of them late), with checklists, comments (and mentions), tags and time logged;
- everybody keeps a personal to-do or two; the groups have a few tasks of their own;
- two templates: a weekly sales report (repeats every Monday) and the onboarding of a new employee (with
  subtasks), used once for the newest colleague.

The services stamp everything "now"; the history (creation, closing, comments, stream entries, audit rows,
notifications) is then spread back over the weeks it would have taken. Deterministic (one seeded
random.Random) and idempotent: when the demo people have tasks already, it adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from .content import DEPARTMENT_WORK, DOMAIN, SEED
from .everyday import EverydayWork
from .history import Backdating
from .projects import ProjectPlans
from .stories import Story, TaskStories
from .templates import TemplateWork

__all__ = ["DEPARTMENT_WORK", "DemoTasks", "Story", "seed_demo_tasks"]


def demo_people() -> dict:
    from portal.people.models import User

    return {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}", is_active=True)
    }


def demo_tasks_exist(people: dict) -> bool:
    from tasks.models import Task, TaskTemplate

    ids = [u.pk for u in people.values()]
    return (
        Task.objects.filter(creator_id__in=ids).exists()
        or TaskTemplate.objects.filter(creator_id__in=ids).exists()
    )


@transaction.atomic
def seed_demo_tasks(*, stdout=None, now: datetime.datetime | None = None) -> dict[str, int]:
    """Projects with plans, department work, to-dos, group tasks and templates. Returns how many of each
    thing were created (all zeros on a second run).

    `now`: the moment the demo stands at (default: the real now; tests pin days such as a year's end)."""
    from portal.groups.demo import demo_group
    from tasks.models import ChecklistItem, TaskComment, TaskLink, TaskTemplate, TimeEntry

    people = demo_people()
    empty = {"tasks": 0, "links": 0, "comments": 0, "checklist_items": 0, "time_entries": 0, "templates": 0}
    if "ceo" not in people:
        if stdout is not None:
            stdout.write("Tasks demo skipped: the demo company is not there.")
        return empty
    if demo_tasks_exist(people):
        if stdout is not None:
            stdout.write("Tasks: " + ", ".join(f"0 {k}" for k in empty))
        return empty

    seeder = DemoTasks(people=people, rng=random.Random(SEED), now=now or timezone.now())
    texts = seeder.content
    keys = {*texts.PROJECT_PLANS, *(key for key, *_rest in texts.GROUP_TASKS)}
    groups = {key: group for key in sorted(keys) if (group := demo_group(key)) is not None}
    for key, phases in texts.PROJECT_PLANS.items():
        if key in groups:
            seeder.project(groups[key], phases, texts.PROJECT_TAGS.get(key, []))
    seeder.department_work()
    seeder.group_tasks(groups)
    seeder.personal_todos()
    seeder.templates()
    seeder.backdate()

    ids = [s.task.pk for s in seeder.stories]
    created = {
        "tasks": len(ids),
        "links": TaskLink.objects.filter(successor_id__in=ids).count(),
        "comments": TaskComment.objects.filter(task_id__in=ids).count(),
        "checklist_items": ChecklistItem.objects.filter(task_id__in=ids).count(),
        "time_entries": TimeEntry.objects.filter(task_id__in=ids).count(),
        "templates": TaskTemplate.objects.filter(
            creator_id__in=[u.pk for u in people.values()], parent__isnull=True
        ).count(),
    }
    if stdout is not None:
        stdout.write("Tasks: " + ", ".join(f"{v} {k}" for k, v in created.items()))
    return created


class DemoTasks(ProjectPlans, EverydayWork, TemplateWork, Backdating, TaskStories):
    """The steps of the tasks demo, one module per subject; `stories` keeps what happened when, for
    `backdate`."""
