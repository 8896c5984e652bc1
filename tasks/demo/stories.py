"""The demo's base: the people, the seeded random choice, the moment the demo stands at, and what
happened when to each task (`stories`). One task is made, driven to a status, talked about, ticked
and timed here."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from portal.core.demo import in_demo_language

from . import content, content_ru

# The demo's texts in each language it speaks (the modules have the same names in the same shape).
CONTENT = {"en": content, "ru": content_ru}


@dataclass
class Story:
    """When things happened to one task (the services stamp them "now"; the demo moves them back)."""

    task: object
    created_at: datetime.datetime
    started_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    children: list = field(default_factory=list)


class TaskStories:
    """The demo's base: the people, the seeded random choice, the moment the demo stands at, and what
    happened when to each task (`stories`). One task is made, driven to a status, talked about, ticked
    and timed here."""

    def __init__(self, *, people: dict, rng: random.Random, now: datetime.datetime) -> None:
        self.people = people
        self.rng = rng
        self.now = now
        self.content = in_demo_language(CONTENT)
        self.stories: list[Story] = []
        self.personal_tags: dict[int, list] = {}
        self.rosters: dict[int, list] = {}

    def who(self, local: str):
        return self.people.get(local) or self.people["ceo"]

    def _text(self, title: str) -> str:
        return title.format(
            client=self.rng.choice(self.content.CLIENTS), month=self.rng.choice(self.content.MONTHS)
        )

    def _mention(self, text: str, task, author) -> str:
        from portal.stream.mentions import mention_markup

        if "{mention}" not in text:
            return text
        others = [u for u in (task.creator, task.responsible) if u.pk != author.pk] or [task.creator]
        return text.replace("{mention}", mention_markup(self.rng.choice(others)))

    def create(self, *, creator, responsible, title: str, story_created, **fields) -> Story:
        from tasks import services

        task = services.task_create(actor=creator, title=title, responsible=responsible, **fields)
        story = Story(task=task, created_at=story_created)
        self.stories.append(story)
        return story

    def drive(self, story: Story, status: str, *, closed_at=None, started_at=None) -> None:
        """Take the task to `status` by the actions people would take (accept, start, complete...)."""
        from tasks import services

        task = story.task
        creator, responsible = task.creator, task.responsible

        def act(actor, action, comment=""):
            services.task_transition(
                actor=actor,
                task=task,
                action=action,
                comment=comment,
                open_subtasks="keep",
                confirm_checklist=True,
            )

        if status == "new":
            return
        if status == "declined":
            act(responsible, "decline", self.rng.choice(self.content.DECLINE_REASONS))
            story.closed_at = closed_at or story.created_at + datetime.timedelta(hours=5)
            return
        if status == "deferred":
            act(responsible, "defer")
            return
        act(responsible, "accept")
        if status == "pending":
            return
        act(responsible, "start")
        story.started_at = started_at or story.created_at + datetime.timedelta(hours=self.rng.randint(1, 30))
        if status == "in_progress":
            return
        act(responsible, "complete")
        if status == "awaiting_control" or not task.requires_control or creator.pk == responsible.pk:
            story.closed_at = closed_at if status == "completed" else None
            return
        # Requires control: now the creator looks at it; now and then they send it back first.
        if self.rng.random() < 0.25:
            act(creator, "return", self.content.RETURN_COMMENT)
            act(responsible, "complete")
        act(creator, "approve")
        story.closed_at = closed_at

    def talk(self, story: Story, count: int) -> None:
        """A few comments by the task's people."""
        from tasks import services

        task = story.task
        pool = self.content.COMMENTS_DONE if story.closed_at else self.content.COMMENTS_OPEN
        for _ in range(count):
            author = self.rng.choice([task.responsible, task.responsible, task.creator])
            body = self._mention(self.rng.choice(pool), task, author)
            services.comment_add(actor=author, task=task, body=body)

    def tick(self, story: Story, share: float) -> None:
        """Tick `share` of the checklist (the responsible person does)."""
        from tasks import services
        from tasks.models import ChecklistItem

        items = list(ChecklistItem.objects.filter(task=story.task).order_by("position", "id"))
        for item in items[: round(len(items) * share)]:
            services.checklist_item_toggle(actor=story.task.responsible, item=item, done=True)

    def log_time(self, story: Story) -> None:
        """An hour or a few logged by the responsible person while the task ran."""
        from tasks import services

        begin = story.started_at or story.created_at
        end = min(story.closed_at or self.now, self.now) - datetime.timedelta(hours=1)
        if end <= begin:
            return
        for _ in range(self.rng.randint(1, 3)):
            seconds = self.rng.randint(2, 12) * 900
            start = begin + (end - begin) * self.rng.random()
            if start + datetime.timedelta(seconds=seconds) > self.now:
                continue
            services.time_entry_add(
                actor=story.task.responsible, task=story.task, seconds=seconds, started_at=start, comment=""
            )
