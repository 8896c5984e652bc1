"""Task templates: a weekly report and an onboarding used once."""

from __future__ import annotations

import datetime

from .stories import Story, TaskStories


class TemplateWork(TaskStories):
    """Task templates: a weekly report and an onboarding used once."""

    def templates(self) -> None:
        """A weekly report that repeats every Monday, and an onboarding template used once."""
        from tasks import services

        sales_head, hr = self.who("sales.head"), self.who("hr")
        weekly, onboarding = self.content.WEEKLY_REPORT, self.content.ONBOARDING
        services.template_create(
            actor=sales_head,
            title=weekly["title"],
            description=weekly["description"],
            responsible=self.who("sales.analyst"),
            observers=[self.who("ceo")],
            checklist=weekly["checklist"],
            deadline_days=1,
            repeat="weekly",
            weekdays=[0],
            repeat_time=datetime.time(9, 0),
        )
        template = services.template_create(
            actor=hr,
            title=onboarding["title"],
            description=onboarding["description"],
            responsible=hr,
            checklist=onboarding["checklist"],
            deadline_days=7,
            requires_control=False,
            subtasks=[
                {
                    "title": title,
                    "responsible": self.who(local),
                    **({"checklist": checklist} if checklist else {}),
                }
                for title, local, checklist in onboarding["subtasks"]
            ],
        )
        task = services.task_from_template(actor=hr, template=template)
        created = self.now - datetime.timedelta(days=2)
        self.stories.append(Story(task=task, created_at=created))
        from tasks.models import Task

        for sub in Task.objects.filter(parent=task).select_related("creator", "responsible").order_by("id"):
            story = Story(task=sub, created_at=created + datetime.timedelta(minutes=1))
            self.stories.append(story)
            if sub.responsible.pk == self.who("office").pk:
                self.drive(story, "completed", closed_at=self.now - datetime.timedelta(days=1))
            elif sub.responsible.pk == self.who("devops").pk:
                self.drive(story, "in_progress", started_at=created + datetime.timedelta(hours=3))
                self.tick(story, 0.67)
