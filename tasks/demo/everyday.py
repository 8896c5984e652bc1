"""Ordinary work: heads hand out tasks, groups keep a few, everybody has a to-do or two."""

from __future__ import annotations

import datetime

from .stories import Story, TaskStories


class EverydayWork(TaskStories):
    """Ordinary work: heads hand out tasks, groups keep a few, everybody has a to-do or two."""

    STATUS_MIX = [
        ("completed", 38),
        ("in_progress", 18),
        ("pending", 12),
        ("new", 10),
        ("awaiting_control", 8),
        ("deferred", 5),
        ("declined", 4),
        ("completed_late", 5),
    ]

    def _deadline(self, status: str) -> tuple[datetime.datetime | None, datetime.datetime]:
        """(deadline, created) for a task that ends up in `status`; open ones: some overdue, some soon."""
        rng, now = self.rng, self.now
        if status in ("completed", "completed_late", "declined", "awaiting_control"):
            closed_days_ago = rng.randint(0, 4) if status == "awaiting_control" else rng.randint(1, 45)
            closed = now - datetime.timedelta(days=closed_days_ago, hours=rng.randint(1, 8))
            late = datetime.timedelta(days=rng.randint(1, 5))
            deadline = (
                closed - late
                if status == "completed_late"
                else closed + datetime.timedelta(days=rng.randint(0, 6))
            )
            created = min(deadline, closed) - datetime.timedelta(days=rng.randint(3, 14))
            return deadline.replace(hour=17, minute=0, second=0, microsecond=0), created
        roll = rng.random()
        if roll < 0.12:
            deadline = None
        elif roll < 0.35:
            deadline = now - datetime.timedelta(days=rng.randint(1, 10))  # overdue
        elif roll < 0.5:
            deadline = now + datetime.timedelta(hours=rng.randint(3, 22))  # due soon
        else:
            deadline = now + datetime.timedelta(days=rng.randint(2, 30))
        base = deadline if deadline and deadline < now else now
        created = base - datetime.timedelta(days=rng.randint(2, 20))
        if deadline and deadline > now:
            deadline = deadline.replace(minute=0, second=0, microsecond=0)
        return deadline, created

    def _closing(self, status: str, deadline, created) -> datetime.datetime | None:
        if status not in ("completed", "completed_late", "declined"):
            return None
        if status == "completed_late":
            return deadline + datetime.timedelta(days=self.rng.randint(1, 5))
        upper = min(deadline or self.now, self.now - datetime.timedelta(hours=2))
        return created + (upper - created) * self.rng.uniform(0.4, 1.0)

    def everyday(self, *, creator, responsible, title, group=None, participants=(), observers=()) -> Story:
        """One task of ordinary work, in a status drawn from STATUS_MIX, with what goes with it."""
        rng = self.rng
        # The services refuse a person in two roles; whoever is drawn twice keeps the first role.
        participants = [p for p in dict.fromkeys(participants) if p.pk not in (creator.pk, responsible.pk)]
        observers = [
            o
            for o in dict.fromkeys(observers)
            if o.pk not in {creator.pk, responsible.pk, *(p.pk for p in participants)}
        ]
        status = rng.choices([s for s, _w in self.STATUS_MIX], weights=[w for _s, w in self.STATUS_MIX])[0]
        if creator.pk == responsible.pk and status == "awaiting_control":
            status = "in_progress"
        deadline, created = self._deadline(status)
        closed = self._closing(status, deadline, created)
        tags = []
        if rng.random() < 0.3 and group is None:
            tags = [rng.choice(self._personal_tags(creator))]
        story = self.create(
            creator=creator,
            responsible=responsible,
            title=title,
            story_created=created,
            description=rng.choice(self.content.DESCRIPTIONS),
            deadline=deadline,
            group=group,
            participants=list(participants),
            observers=list(observers),
            priority="high" if rng.random() < 0.2 else "normal",
            requires_control=status == "awaiting_control"
            or (creator.pk != responsible.pk and rng.random() < 0.25),
            allow_change_deadline=rng.random() < 0.3,
            checklist=rng.choice(self.content.CHECKLISTS) if rng.random() < 0.25 else (),
            tags=tags,
            time_estimate=rng.choice([3600, 7200, 14400]) if rng.random() < 0.3 else None,
        )
        target = "completed" if status == "completed_late" else status
        self.drive(story, target, closed_at=closed)
        if target in ("completed", "awaiting_control"):
            story.closed_at = (
                story.closed_at or closed or self.now - datetime.timedelta(days=rng.randint(0, 3))
            )
        if target in ("in_progress", "completed", "awaiting_control"):
            self.tick(story, 1.0 if target != "in_progress" else rng.choice([0.25, 0.5, 0.75]))
            if rng.random() < 0.4:
                self.log_time(story)
        if rng.random() < 0.4:
            self.talk(story, rng.randint(1, 3))
        return story

    def _personal_tags(self, person) -> list:
        from tasks import services

        if person.pk not in self.personal_tags:
            self.personal_tags[person.pk] = services.tags_resolve(
                actor=person, names=self.content.PERSONAL_TAGS
            )
        return self.personal_tags[person.pk]

    def department_work(self) -> None:
        """Each head gives each of their people two to four tasks (observers: the head's assistant now and
        then, participants: a colleague)."""
        for head_local, (locals_, titles) in self.content.DEPARTMENT_WORK.items():
            head = self.who(head_local)
            team = [self.who(x) for x in locals_]
            for person in team:
                for title in self.rng.sample(titles, k=min(len(titles), self.rng.randint(2, 4))):
                    helpers = [p for p in team if p.pk != person.pk]
                    participants = [self.rng.choice(helpers)] if helpers and self.rng.random() < 0.3 else []
                    observers = (
                        [self.who("assistant")] if head_local == "ceo" and self.rng.random() < 0.5 else []
                    )
                    # The assistant may be the colleague drawn as participant: one role per person.
                    taken = {head.pk, person.pk, *(p.pk for p in participants)}
                    self.everyday(
                        creator=head,
                        responsible=person,
                        title=self._text(title),
                        participants=participants,
                        observers=[o for o in observers if o.pk not in taken],
                    )

    def group_tasks(self, groups: dict) -> None:
        """A few tasks of the groups (`groups`: the demo groups by key)."""
        for group_key, creator_local, responsible_local, title, participants in self.content.GROUP_TASKS:
            group = groups.get(group_key)
            if group is None:
                continue
            creator, responsible = self.who(creator_local), self.who(responsible_local)
            self.everyday(
                creator=creator,
                responsible=responsible,
                title=title,
                group=group,
                participants=[
                    self.who(p) for p in participants if self.who(p).pk not in (creator.pk, responsible.pk)
                ],
            )

    def personal_todos(self) -> None:
        """Everybody keeps one or two notes to self."""
        for local in sorted(self.people):
            if local == "admin":
                continue
            person = self.people[local]
            for title in self.rng.sample(self.content.PERSONAL_TODOS, k=2 if self.rng.random() < 0.3 else 1):
                self.everyday(creator=person, responsible=person, title=title)
