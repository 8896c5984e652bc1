"""The demo projects' plans: phases, steps and substeps, linked and dated one after the other."""

from __future__ import annotations

import datetime

from django.utils import timezone

from .stories import Story, TaskStories


class ProjectPlans(TaskStories):
    """The demo projects' plans: phases, steps and substeps, linked and dated one after the other."""

    def project(self, group, phases: list, tag_names: list[str]) -> None:
        """Phases, steps and substeps laid one after the other from the project's start, linked
        finish-to-start; their status follows the calendar. The project's shared tags: `tag_names`."""
        from tasks import services

        owner = group.created_by or self.who("ceo")
        tags = services.tags_resolve(actor=owner, names=tag_names, group=group)
        start = group.start_date or (self.now - datetime.timedelta(days=30)).date()
        cursor = timezone.make_aware(datetime.datetime.combine(start, datetime.time(9, 0)))
        # Stretch the plan over the project's dates, when it has an end.
        total = sum(days for _p, _l, steps in phases for _t, _r, days, _s in steps)
        scale = 1.0
        if group.start_date and group.end_date and group.end_date > group.start_date:
            scale = (group.end_date - group.start_date).days / total
        previous_step = None
        for phase_title, lead_local, steps in phases:
            lead = self.who(lead_local)
            phase_start = cursor
            length = sum(days for _t, _r, days, _s in steps) * scale
            phase = self.create(
                creator=owner,
                responsible=lead,
                title=phase_title,
                story_created=min(phase_start, self.now) - datetime.timedelta(days=self.rng.randint(3, 10)),
                group=group,
                planned_start=phase_start,
                planned_end=phase_start + datetime.timedelta(days=length),
                deadline=phase_start + datetime.timedelta(days=length, hours=8),
                priority="high" if self.rng.random() < 0.3 else "normal",
            )
            for step_title, responsible_local, days, substeps in steps:
                step = self._plan_item(
                    creator=lead,
                    responsible=self.who(responsible_local),
                    title=step_title,
                    parent=phase,
                    group=group,
                    start=cursor,
                    days=days * scale,
                    tags=[self.rng.choice(tags)] if tags and self.rng.random() < 0.5 else [],
                )
                if previous_step is not None:
                    services.link_create(actor=lead, predecessor=previous_step.task, successor=step.task)
                sub_cursor, previous_sub = cursor, None
                for sub_title, sub_local, sub_days in substeps:
                    sub = self._plan_item(
                        creator=step.task.responsible,
                        responsible=self.who(sub_local),
                        title=sub_title,
                        parent=step,
                        group=group,
                        start=sub_cursor,
                        days=sub_days * scale,
                        tags=[],
                    )
                    if previous_sub is not None:
                        services.link_create(
                            actor=step.task.responsible, predecessor=previous_sub.task, successor=sub.task
                        )
                    self._settle(sub)
                    previous_sub = sub
                    sub_cursor += datetime.timedelta(days=sub_days * scale)
                self._settle(step)
                previous_step = step
                cursor += datetime.timedelta(days=days * scale)
            self._settle(phase)

    def _plan_item(self, *, creator, responsible, title, parent: Story, group, start, days, tags) -> Story:
        end = start + datetime.timedelta(days=days)
        checklist = self.rng.choice(self.content.CHECKLISTS) if self.rng.random() < 0.25 else ()
        if group.pk not in self.rosters:
            self.rosters[group.pk] = [m.user for m in group.memberships.select_related("user").order_by("id")]
        helper = self.rng.choice(self.rosters[group.pk])
        participants = [helper] if helper.pk not in (creator.pk, responsible.pk) else []
        story = self.create(
            creator=creator,
            responsible=responsible,
            title=title,
            story_created=max(
                parent.created_at + datetime.timedelta(hours=2),
                min(start, self.now) - datetime.timedelta(days=3),
            ),
            group=group,
            parent=parent.task,
            planned_start=start,
            planned_end=end,
            deadline=end + datetime.timedelta(hours=8),
            checklist=checklist,
            tags=tags,
            participants=participants,
            requires_control=creator.pk != responsible.pk and self.rng.random() < 0.3,
            time_estimate=int(days * 4 * 3600) if self.rng.random() < 0.4 else None,
        )
        parent.children.append(story)
        return story

    def _settle(self, story: Story) -> None:
        """Status from the calendar (for a parent: from its steps), then comments, checklist and time."""
        task = story.task
        deadline = task.deadline
        if story.children:
            statuses = {child.task.status for child in story.children}
            if statuses <= {"completed"}:
                status, closed = "completed", max(c.closed_at or deadline for c in story.children)
            elif statuses & {"in_progress", "completed", "awaiting_control"}:
                status, closed = "in_progress", None
            else:
                status, closed = self.rng.choice(["new", "pending"]), None
        elif deadline < self.now - datetime.timedelta(days=1):
            late = self.rng.random() < 0.2
            closed = deadline + datetime.timedelta(
                days=self.rng.randint(1, 4) if late else -self.rng.randint(0, 2)
            )
            closed = min(closed, self.now - datetime.timedelta(hours=3))
            status = "completed"
            if self.rng.random() < 0.1:
                status, closed = "in_progress", None  # running late: overdue now
            elif task.requires_control and (self.now - closed).days < 4:
                status = "awaiting_control"
        elif task.planned_start and task.planned_start <= self.now:
            status, closed = ("in_progress" if self.rng.random() < 0.8 else "pending"), None
        else:
            status, closed = self.rng.choice(["new", "new", "pending"]), None
        started = task.planned_start if task.planned_start and task.planned_start < self.now else None
        self.drive(story, status, closed_at=closed, started_at=started)
        if status in ("in_progress", "completed", "awaiting_control"):
            self.tick(story, 1.0 if status != "in_progress" else 0.5)
            if self.rng.random() < 0.5:
                self.log_time(story)
        if self.rng.random() < 0.45:
            self.talk(story, self.rng.randint(1, 3))
