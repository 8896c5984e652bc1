"""The strategy of the demo company, written through the strategy's services (so the audit rows, stream entries
and stored progress are what real use leaves behind).

`seed_demo_strategy()` runs in the `content` stage after the tasks and the CRM: the mission and vision; a
three-year strategic goal with three annual goals (written by the admin, a strategy manager, for their owners),
the departments' quarterly goals under them written by their heads, a monthly goal; the three demo projects
linked with weights and a weekly status note each by its owner (one red); a few demo tasks linked to goals by
their responsible people, the rest left as orphan work. Texts in the demo's language. Deterministic and
idempotent: when the strategic goal is there, it adds nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from portal.core.demo import demo_email, in_demo_language

from . import texts, texts_ru

TEXTS = {"en": texts, "ru": texts_ru}
# The demo projects' owners (portal.groups.demo), who write their status notes.
PROJECT_OWNERS = {"relaunch": "marketing.head", "erp": "cfo", "mobile": "cto"}


def _people() -> dict:
    from django.contrib.auth import get_user_model

    domain = demo_email("")
    return {
        u.email.split("@")[0]: u
        for u in get_user_model().objects.filter(email__endswith=domain, is_active=True)
    }


def _quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = today.replace(month=first_month, day=1)
    end_month = first_month + 2
    end = (datetime.date(today.year + (end_month == 12), end_month % 12 + 1, 1)) - datetime.timedelta(days=1)
    return start, end


def seed_demo_strategy(*, stdout=None) -> dict[str, int]:
    """The demo's strategy (see the module). Returns how many of each thing were created."""
    from portal.core.registry import registry
    from portal.groups.demo import demo_group
    from portal.people.demo import demo_department

    from ..choices import GoalHorizon
    from ..models import Goal, GoalProjectLink, GoalTaskLink, ProjectStatusNote
    from ..services.goals import goal_create, goal_progress_recompute, goal_project_link_set, task_goal_set
    from ..services.home import strategy_text_update
    from ..services.projects import project_status_note_add

    text = in_demo_language(TEXTS)
    empty = {"goals": 0, "project_links": 0, "status_notes": 0, "task_links": 0}
    people = _people()
    admin = people.get("admin")
    if admin is None or "ceo" not in people:
        if stdout is not None:
            stdout.write("Strategy demo skipped: the demo company is not there.")
        return empty
    if Goal.objects.filter(title=text.STRATEGIC[0], horizon=GoalHorizon.STRATEGIC).exists():
        return empty
    before = {
        "goals": Goal.objects.count(),
        "project_links": GoalProjectLink.objects.count(),
        "status_notes": ProjectStatusNote.objects.count(),
        "task_links": GoalTaskLink.objects.count(),
    }
    today = timezone.localdate()
    year_start, year_end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    strategy_text_update(actor=admin, mission=text.MISSION, vision=text.VISION)
    goals: dict[str, Goal] = {}
    goals["strategic"] = goal_create(
        actor=admin,
        owner=people["ceo"],
        title=text.STRATEGIC[0],
        description=text.STRATEGIC[1],
        horizon=GoalHorizon.STRATEGIC,
        period_start=year_start,
        period_end=datetime.date(today.year + 2, 12, 31),
        progress_rule="children",
        tags=["2030"],
    )
    for key, (title, owner, description) in text.ANNUAL.items():
        goals[key] = goal_create(
            actor=admin,
            owner=people.get(owner, people["ceo"]),
            title=title,
            description=description,
            horizon=GoalHorizon.ANNUAL,
            period_start=year_start,
            period_end=year_end,
            parent=goals["strategic"],
            weight=Decimal(2 if key == "growth" else 1),
        )
    q_start, q_end = _quarter(today)
    for key, parent, head, title in text.QUARTERLY:
        actor = people.get(head)
        if actor is None or demo_department(head) is None:
            continue
        goals[key] = goal_create(
            actor=actor,
            title=title,
            horizon=GoalHorizon.QUARTERLY,
            period_start=q_start,
            period_end=q_end,
            parent=goals[parent],
            department=demo_department(head),
            progress_rule="tasks" if key.startswith(("sales", "inside", "accounts")) else "auto",
        )
    key, parent, head, title = text.MONTHLY
    if parent in goals and head in people:
        month_start = today.replace(day=1)
        month_end = (month_start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        goals[key] = goal_create(
            actor=people[head],
            title=title,
            horizon=GoalHorizon.MONTHLY,
            period_start=month_start,
            period_end=month_end,
            parent=goals[parent],
            department=demo_department(head),
        )
    for project_key, links in text.PROJECTS.items():
        project = demo_group(project_key)
        if project is None:
            continue
        for goal_key, weight in links:
            if goal_key in goals:
                goal_project_link_set(actor=admin, goal=goals[goal_key], project=project, weight=weight)
        rag, note = text.NOTES[project_key]
        author = people.get(PROJECT_OWNERS[project_key]) or admin
        project_status_note_add(actor=author, project=project, rag=rag, text=note)
    # The sales people link some of their tasks to the quarter's goals; the rest stays orphan work.
    facts = registry.task_facts.get("tasks")
    if facts is not None and facts.responsible_ids is not None:
        for local, goal_key in (
            ("sales.manager", "sales_q"),
            ("inside1", "inside_q"),
            ("sales.head", "sales_q"),
        ):
            person, goal = people.get(local), goals.get(goal_key)
            if person is None or goal is None:
                continue
            for task_id in facts.responsible_ids(person_id=person.pk, limit=4)[:3]:
                if not GoalTaskLink.objects.filter(task_id=task_id).exists():
                    task_goal_set(actor=person, task_id=task_id, goal=goal)
    goal_progress_recompute(goal_ids=[g.pk for g in goals.values()])
    created = {
        "goals": Goal.objects.count() - before["goals"],
        "project_links": GoalProjectLink.objects.count() - before["project_links"],
        "status_notes": ProjectStatusNote.objects.count() - before["status_notes"],
        "task_links": GoalTaskLink.objects.count() - before["task_links"],
    }
    if stdout is not None:
        stdout.write("Strategy: " + ", ".join(f"{v} {k}" for k, v in created.items()))
    return created
