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
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

DOMAIN = "demo.lumen"
SEED = 20260301

# Projects: name -> phases; a phase is (title, lead, steps); a step is (title, responsible, days, substeps)
# and a substep (title, responsible, days). Phases are created by the project's owner, steps by the lead.
PROJECT_PLANS: dict[str, list] = {
    "Website relaunch": [
        (
            "Discovery and content audit",
            "content",
            [
                ("Audit the current pages and their traffic", "seo", 5, []),
                ("Interview sales about customer questions", "content", 4, []),
                ("Write the content brief", "content", 5, []),
            ],
        ),
        (
            "Design",
            "designer",
            [
                (
                    "Wireframes for the home and product pages",
                    "designer",
                    8,
                    [("Home page wireframe", "designer", 4), ("Product page wireframe", "designer", 4)],
                ),
                ("Visual design and style guide", "designer", 10, []),
                ("Design review with the management", "marketing.head", 1, []),
            ],
        ),
        (
            "Build the site and the store",
            "backend1",
            [
                ("Set up the CMS and the staging server", "devops", 5, []),
                (
                    "Import the product catalogue",
                    "backend1",
                    10,
                    [
                        ("Map the product fields", "backend1", 3),
                        ("Import the product images", "backend1", 3),
                        ("Check the prices against the ERP", "backend1", 4),
                    ],
                ),
                ("Page templates", "backend1", 12, []),
                ("Send the contact and quote forms to the CRM", "backend1", 5, []),
            ],
        ),
        (
            "Content and SEO",
            "seo",
            [
                ("Write the new product texts", "content", 10, []),
                ("Redirect the old URLs", "seo", 3, []),
                ("Translate the key pages into German", "content", 7, []),
            ],
        ),
        (
            "Launch",
            "marketing.head",
            [
                ("Load test and security check", "devops", 3, []),
                ("Go-live checklist", "marketing.head", 1, []),
                ("Launch announcement and newsletter", "content", 2, []),
            ],
        ),
    ],
    "ERP migration": [
        (
            "Selection and contract",
            "cfo",
            [
                ("Compare the three ERP offers", "architect", 10, []),
                ("Negotiate the licence contract", "cfo", 8, []),
                ("Board sign-off", "cfo", 2, []),
            ],
        ),
        (
            "Data migration",
            "architect",
            [
                ("Map the chart of accounts", "accountant", 8, []),
                (
                    "Migrate customers and suppliers",
                    "backend2",
                    15,
                    [
                        ("Clean up duplicate suppliers", "accountant", 5),
                        ("Import test run", "backend2", 5),
                        ("Final import", "backend2", 5),
                    ],
                ),
                ("Migrate the open invoices", "accountant", 6, []),
                ("Import the warehouse stock", "backend2", 6, []),
            ],
        ),
        (
            "Payroll",
            "payroll",
            [
                ("Set up the payroll rules", "payroll", 10, []),
                ("Parallel payroll run", "payroll", 20, []),
            ],
        ),
        (
            "Go-live",
            "cfo",
            [
                ("Train the accounting team", "accountant", 5, []),
                ("Cut-over weekend", "architect", 3, []),
                ("Switch off the old system", "backend2", 2, []),
            ],
        ),
    ],
    "Mobile app 2.0": [
        (
            "Specification",
            "mobile.lead",
            [
                ("User stories for the offline mode", "mobile.lead", 6, []),
                ("API changes for synchronisation", "platform.lead", 5, []),
            ],
        ),
        (
            "Development",
            "mobile.lead",
            [
                (
                    "Offline storage on iOS",
                    "ios",
                    20,
                    [
                        ("Local database schema", "ios", 6),
                        ("Conflict resolution", "ios", 8),
                        ("Settings screen for offline data", "ios", 6),
                    ],
                ),
                ("Offline storage on Android", "android", 20, []),
                ("Synchronisation endpoints", "platform.lead", 15, []),
                ("Push notifications for changed records", "android", 8, []),
            ],
        ),
        (
            "Testing",
            "mobile.qa",
            [
                ("Test plan", "mobile.qa", 4, []),
                ("Regression tests on older devices", "mobile.qa", 10, []),
                ("Beta with key customers", "mobile.lead", 14, []),
            ],
        ),
        (
            "Release",
            "mobile.lead",
            [
                ("Store listings and screenshots", "ios", 4, []),
                ("Staged rollout", "android", 7, []),
            ],
        ),
    ],
}
PROJECT_TAGS = {
    "Website relaunch": ["design", "content", "store", "launch blocker"],
    "ERP migration": ["data", "finance", "training"],
    "Mobile app 2.0": ["ios", "android", "api"],
}

CLIENTS = [
    "Orion Logistics",
    "Bluefield Farms",
    "Helix Pharma",
    "Atlas Freight",
    "Crescent Bank",
    "Vega Travel",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]

# Who hands out work to whom, and what kind of work: head -> (people, titles). "{client}" and "{month}" are
# filled in.
DEPARTMENT_WORK: dict[str, tuple[list[str], list[str]]] = {
    "ceo": (
        ["sales.head", "marketing.head", "cto", "cfo", "assistant", "legal", "office"],
        [
            "Prepare the board report for {month}",
            "Review the annual budget draft",
            "Renew the office lease",
            "Check the new supplier contract for risks",
            "Plan the company offsite",
            "Summarise the customer satisfaction survey",
        ],
    ),
    "sales.head": (
        ["sales.manager", "sales.analyst", "accounts.head", "inside.head"],
        [
            "Update the sales forecast for {month}",
            "Prepare the offer for {client}",
            "Analyse the lost deals of last quarter",
            "Clean up the stale deals in the pipeline",
            "Plan the visit to {client}",
        ],
    ),
    "accounts.head": (
        ["ka.manager1", "ka.manager2", "ka.assistant"],
        [
            "Quarterly business review with {client}",
            "Renew the framework agreement with {client}",
            "Send the price increase letter to {client}",
            "Collect the signed order from {client}",
        ],
    ),
    "inside.head": (
        ["inside1", "inside2", "inside3", "support1", "support2"],
        [
            "Call back the leads from the trade fair",
            "Follow up on the demo request from {client}",
            "Answer the open support tickets from {client}",
            "Update the FAQ with the new shipping rules",
        ],
    ),
    "marketing.head": (
        ["content", "designer", "events", "seo"],
        [
            "Newsletter for {month}",
            "Case study with {client}",
            "Book the stand for the autumn trade fair",
            "New brochure for the product line",
            "Monthly SEO report for {month}",
        ],
    ),
    "cto": (
        ["architect", "qa.lead", "platform.lead", "mobile.lead"],
        [
            "Security review of the customer portal",
            "Plan the database upgrade",
            "Hiring plan for the second half of the year",
            "Incident report for the outage on {month} 12",
        ],
    ),
    "platform.lead": (
        ["backend1", "backend2", "devops", "backend3"],
        [
            "Fix the invoice PDF rounding error",
            "Upgrade the servers to the new OS release",
            "Speed up the order search",
            "Rotate the API keys of the integrations",
            "Set up monitoring alerts for the mail queue",
        ],
    ),
    "mobile.lead": (
        ["ios", "android", "mobile.qa"],
        [
            "Fix the crash on login with expired sessions",
            "Support the new Android version",
            "Reduce the app size",
            "Answer the app store reviews",
        ],
    ),
    "cfo": (
        ["accountant", "hr", "recruiter", "payroll"],
        [
            "Close the books for {month}",
            "Pay the supplier invoices due this week",
            "Prepare the VAT return for {month}",
            "Payroll for {month}",
            "Fill the open position of a sales manager",
            "Update the travel expense policy",
        ],
    ),
}
PERSONAL_TODOS = [
    "Submit my travel expenses",
    "Book my holidays in the calendar",
    "Finish the online security training",
    "Update my profile photo",
    "Read the new travel policy",
    "Renew my first-aid certificate",
]
GROUP_TASKS = [
    # (group, creator, responsible, title, participants)
    ("Company news", "hr", "events", "Organise the summer party", ["office", "assistant"]),
    ("Company news", "office", "office", "Update the floor plan of the 3rd floor", []),
    ("Sales leadership", "sales.head", "accounts.head", "Agree on the key account targets", ["inside.head"]),
    ("Sales leadership", "sales.head", "inside.head", "Pipeline review: deals without activity", []),
    ("Board", "ceo", "cfo", "Approve the investment plan", ["cto"]),
    ("Board", "ceo", "marketing.head", "Brand refresh proposal", []),
    ("Book club", "cfo", "hr", "Pick the book for next month", []),
]
CHECKLISTS = [
    ["Collect the inputs", "Write the first draft", "Get feedback", "Final version"],
    ["Check the figures", "Ask finance", "Send to the customer"],
    ["Book the room", "Send the agenda", "Write the minutes"],
    ["Reproduce", "Fix", "Test on staging", "Deploy"],
]
PERSONAL_TAGS = ["follow up", "clients", "quick win"]
COMMENTS_OPEN = [
    "I started on it, first results by Thursday.",
    "{mention} could you send me last month's numbers?",
    "Waiting for an answer from the customer.",
    "Half done, the rest depends on the supplier.",
    "{mention} please have a look at the draft when you can.",
]
COMMENTS_DONE = [
    "Done, the file is in the shared folder.",
    "Finished. {mention} thanks for the help!",
    "Sent to the customer, they confirmed.",
    "Completed a bit later than planned, the data came late.",
]
DECLINE_REASONS = [
    "This belongs to the finance team, not to us.",
    "We agreed to drop it at the Monday meeting.",
]


@dataclass
class Story:
    """When things happened to one task (the services stamp them "now"; the demo moves them back)."""

    task: object
    created_at: datetime.datetime
    started_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    children: list = field(default_factory=list)


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
    from portal.groups.models import Workgroup
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
    groups = {
        g.name: g for g in Workgroup.objects.filter(name__in=[*PROJECT_PLANS, *(g[0] for g in GROUP_TASKS)])
    }
    for name, phases in PROJECT_PLANS.items():
        if name in groups:
            seeder.project(groups[name], phases)
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


class DemoTasks:
    """The steps of the tasks demo; `stories` keeps what happened when, for `backdate`."""

    def __init__(self, *, people: dict, rng: random.Random, now: datetime.datetime) -> None:
        self.people = people
        self.rng = rng
        self.now = now
        self.stories: list[Story] = []
        self.personal_tags: dict[int, list] = {}
        self.rosters: dict[int, list] = {}

    def who(self, local: str):
        return self.people.get(local) or self.people["ceo"]

    def _text(self, title: str) -> str:
        return title.format(client=self.rng.choice(CLIENTS), month=self.rng.choice(MONTHS))

    def _mention(self, text: str, task, author) -> str:
        from portal.stream.mentions import mention_markup

        if "{mention}" not in text:
            return text
        others = [u for u in (task.creator, task.responsible) if u.pk != author.pk] or [task.creator]
        return text.replace("{mention}", mention_markup(self.rng.choice(others)))

    # --- one task, driven to a status ------------------------------------------------------------------

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
                actor=actor, task=task, action=action, comment=comment, open_subtasks="keep"
            )

        if status == "new":
            return
        if status == "declined":
            act(responsible, "decline", self.rng.choice(DECLINE_REASONS))
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
            act(creator, "return", "Please add the figures for the last month as well.")
            act(responsible, "complete")
        act(creator, "approve")
        story.closed_at = closed_at

    def talk(self, story: Story, count: int) -> None:
        """A few comments by the task's people."""
        from tasks import services

        task = story.task
        pool = COMMENTS_DONE if story.closed_at else COMMENTS_OPEN
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

    # --- projects -------------------------------------------------------------------------------------

    def project(self, group, phases: list) -> None:
        """Phases, steps and substeps laid one after the other from the project's start, linked
        finish-to-start; their status follows the calendar."""
        from tasks import services

        owner = group.created_by or self.who("ceo")
        tags = services.tags_resolve(actor=owner, names=PROJECT_TAGS.get(group.name, []), group=group)
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
        checklist = self.rng.choice(CHECKLISTS) if self.rng.random() < 0.25 else ()
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

    # --- everyday work ----------------------------------------------------------------------------------

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
            description=rng.choice(
                [
                    "",
                    "Details are in the shared folder.",
                    "As discussed in the weekly meeting. Keep the customer in the loop.",
                    "Use last year's figures as the baseline and flag anything that moved by more than 10%.",
                ]
            ),
            deadline=deadline,
            group=group,
            participants=list(participants),
            observers=list(observers),
            priority="high" if rng.random() < 0.2 else "normal",
            requires_control=status == "awaiting_control"
            or (creator.pk != responsible.pk and rng.random() < 0.25),
            allow_change_deadline=rng.random() < 0.3,
            checklist=rng.choice(CHECKLISTS) if rng.random() < 0.25 else (),
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
            self.personal_tags[person.pk] = services.tags_resolve(actor=person, names=PERSONAL_TAGS)
        return self.personal_tags[person.pk]

    def department_work(self) -> None:
        """Each head gives each of their people two to four tasks (observers: the head's assistant now and
        then, participants: a colleague)."""
        for head_local, (locals_, titles) in DEPARTMENT_WORK.items():
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
        for group_name, creator_local, responsible_local, title, participants in GROUP_TASKS:
            group = groups.get(group_name)
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
            for title in self.rng.sample(PERSONAL_TODOS, k=2 if self.rng.random() < 0.3 else 1):
                self.everyday(creator=person, responsible=person, title=title)

    def templates(self) -> None:
        """A weekly report that repeats every Monday, and an onboarding template used once."""
        from tasks import services

        sales_head, hr = self.who("sales.head"), self.who("hr")
        services.template_create(
            actor=sales_head,
            title="Weekly sales report",
            description="Pipeline changes, won and lost deals, next week's focus.",
            responsible=self.who("sales.analyst"),
            observers=[self.who("ceo")],
            checklist=["Export the pipeline", "Compare with last week", "Send the summary"],
            deadline_days=1,
            repeat="weekly",
            weekdays=[0],
            repeat_time=datetime.time(9, 0),
        )
        onboarding = services.template_create(
            actor=hr,
            title="Onboarding of a new colleague",
            description="Everything a new colleague needs in the first week.",
            responsible=hr,
            checklist=["Contract signed", "Welcome mail sent", "Buddy assigned"],
            deadline_days=7,
            requires_control=False,
            subtasks=[
                {
                    "title": "Laptop and accounts",
                    "responsible": self.who("devops"),
                    "checklist": ["Laptop", "E-mail", "VPN"],
                },
                {"title": "Desk and access card", "responsible": self.who("office")},
                {"title": "Introduction meeting with the team", "responsible": hr},
            ],
        )
        task = services.task_from_template(actor=hr, template=onboarding)
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

    # --- history ----------------------------------------------------------------------------------------

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
