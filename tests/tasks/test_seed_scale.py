"""`manage.py seed_scale_tasks` (and `seed_scale --tasks`): tasks at scale for the benchmark, in bulk."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from portal.notifications.models import UserCounter
from portal.people.models import Company, User
from tasks import counters
from tasks.choices import CLOSED_STATUSES, TaskStatus
from tasks.management.commands import seed_scale_tasks
from tasks.models import (
    ChecklistItem,
    Tag,
    Task,
    TaskComment,
    TaskLink,
    TaskMember,
    TaskTag,
    TaskView,
    TimeEntry,
)
from tasks.search import search_tasks


@pytest.fixture
def company(db, monkeypatch):
    """A small seeded company without tasks; chunks small enough that 200 tasks take several."""
    Company.objects.all().delete()
    monkeypatch.setattr(seed_scale_tasks, "CHUNK", 64)
    call_command(
        "seed_scale", "--employees", "40", "--groups", "8", "--entries", "0", "--tasks", "0", verbosity=0
    )


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_scale_tasks", *args, stdout=out)
    return out.getvalue()


def test_creates_what_it_says(company):
    output = seed("--tasks", "200")

    assert Task.objects.count() == 200
    assert "Seeded 200 tasks" in output
    assert f"{TaskMember.objects.count()} participants and observers" in output
    assert f"{TaskLink.objects.count()} links" in output
    assert f"{TaskComment.objects.count()} comments" in output
    assert f"{ChecklistItem.objects.count()} checklist items" in output
    assert f"{TimeEntry.objects.count()} time entries" in output
    assert f"{Tag.objects.count()} tags on" in output
    for model in (TaskMember, TaskLink, TaskComment, ChecklistItem, TimeEntry, TaskTag, TaskView):
        assert model.objects.exists(), model.__name__


def test_statuses_deadlines_and_history_are_spread(company):
    seed("--tasks", "200")
    now = timezone.now()

    statuses = set(Task.objects.values_list("status", flat=True))
    assert {TaskStatus.COMPLETED, TaskStatus.IN_PROGRESS, TaskStatus.NEW, TaskStatus.PENDING} <= statuses
    assert Task.objects.overdue(now).exists()
    assert Task.objects.filter(deadline__isnull=True).exists()
    assert (
        Task.objects.filter(group__isnull=False).exists() and Task.objects.filter(group__isnull=True).exists()
    )
    stamps = sorted(Task.objects.values_list("created_at", flat=True))
    assert (stamps[-1] - stamps[0]).days > 300
    closed = Task.objects.filter(status__in=CLOSED_STATUSES)
    assert not closed.filter(completed_at__isnull=True).exists()
    assert not Task.objects.exclude(status__in=CLOSED_STATUSES).filter(completed_at__isnull=False).exists()
    assert not Task.objects.filter(status=TaskStatus.AWAITING_CONTROL, requires_control=False).exists()
    assert not Task.objects.filter(completed_at__gt=now).exists()
    # "Became overdue" is what efficiency counts: set exactly where the deadline passed before closing.
    for task in Task.objects.filter(deadline__isnull=False):
        end = task.completed_at or now
        assert task.became_overdue == (end > task.deadline), task.pk


def test_hierarchy_and_links_are_sound(company):
    seed("--tasks", "200")

    assert Task.objects.filter(parent__isnull=False).exists()
    parents = dict(Task.objects.values_list("pk", "parent_id"))
    for pk in parents:
        depth, current, seen = 1, parents[pk], {pk}
        while current:
            assert current not in seen, "a cycle in the hierarchy"
            seen.add(current)
            depth += 1
            current = parents[current]
        assert depth <= 4
    for sub in Task.objects.filter(parent__isnull=False).select_related("parent"):
        assert sub.created_at >= sub.parent.created_at
        assert sub.group_id == sub.parent.group_id
    links = list(TaskLink.objects.select_related("predecessor", "successor"))
    assert links
    for link in links:
        # Predecessors are always older, so the links cannot form a cycle; a plan, not a tangle.
        assert link.predecessor_id < link.successor_id
        assert link.predecessor.group_id == link.successor.group_id is not None
        assert link.successor.planned_start >= link.predecessor.planned_end


def test_stored_numbers_match_the_rows(company):
    seed("--tasks", "200")
    closed = Q(subtasks__status__in=CLOSED_STATUSES)
    for task in Task.objects.annotate(
        n_sub=Count("subtasks", distinct=True),
        n_sub_done=Count("subtasks", filter=closed, distinct=True),
        n_comments=Count("comments", distinct=True),
    ):
        assert (task.subtasks_count, task.subtasks_done) == (task.n_sub, task.n_sub_done), task.pk
        assert task.comments_count == task.n_comments, task.pk
    for task in Task.objects.annotate(
        n_items=Count("checklist"), n_done=Count("checklist", filter=Q(checklist__is_done=True))
    ):
        assert (task.checklist_count, task.checklist_done) == (task.n_items, task.n_done), task.pk
    for task in Task.objects.annotate(spent=Sum("time_entries__seconds")):
        assert task.time_spent == (task.spent or 0), task.pk
    for task in Task.objects.filter(comments_count__gt=0).prefetch_related("comments")[:20]:
        bodies = [c.body for c in task.comments.all()]
        assert task.last_comment_at == max(c.created_at for c in task.comments.all())
        assert all(body in task.search_text for body in bodies)
        assert task.search_text.startswith(task.title)


def test_members_tags_and_people_make_sense(company):
    seed("--tasks", "200")
    for member in TaskMember.objects.select_related("task"):
        assert member.user_id not in (member.task.creator_id, member.task.responsible_id)
    for link in TaskTag.objects.select_related("task", "tag"):
        if link.tag.group_id:
            assert link.tag.group_id == link.task.group_id
        else:
            assert link.tag.owner_id == link.task.creator_id
    # People get work from their supervisors, not only from themselves.
    assert Task.objects.exclude(creator=F("responsible")).exists()
    assert not Task.objects.filter(responsible__is_active=False).exists()


def test_the_seeded_tasks_are_visible_searchable_and_counted(company):
    seed("--tasks", "200")
    task = Task.objects.filter(group__isnull=True).order_by("pk").first()
    person = task.responsible
    assert Task.objects.visible_to(person).filter(pk=task.pk).exists()
    word = task.title.split()[-1]
    assert task.pk in [hit.extra["id"] for hit in search_tasks(user=person, query=word, limit=200)]
    # The stored counters are what the live compute functions give (as after the nightly rebuild).
    people = list(User.objects.filter(is_active=True, is_staff=False).values_list("pk", flat=True))
    stored = {(c.user_id, c.key): c.value for c in UserCounter.objects.filter(key__startswith="tasks.")}
    for key, compute in counters.COMPUTE.items():
        live = compute(people)
        assert {p: stored.get((p, key), 0) for p in people} == {p: live.get(p, 0) for p in people}, key
    assert any(v for (_p, key), v in stored.items() if key == "tasks.overdue")
    assert any(v for (_p, key), v in stored.items() if key == "tasks.unseen_comments")


def test_second_run_with_the_same_number_changes_nothing(company):
    seed("--tasks", "120")
    first = list(Task.objects.order_by("pk").values_list("pk", "title", "status"))
    assert "Already seeded: 120 tasks" in seed("--tasks", "120")
    assert list(Task.objects.order_by("pk").values_list("pk", "title", "status")) == first
    seed("--tasks", "80")
    assert Task.objects.count() == 80
    seed("--tasks", "80", "--reset")
    assert Task.objects.count() == 80 and Task.objects.order_by("pk").first().pk == 1


def test_same_seed_same_data(company):
    seed("--tasks", "100", "--seed", "7")
    first = list(Task.objects.order_by("pk").values_list("title", "responsible_id", "status", "parent_id"))
    seed("--tasks", "100", "--seed", "7", "--reset")
    assert (
        list(Task.objects.order_by("pk").values_list("title", "responsible_id", "status", "parent_id"))
        == first
    )


def test_seed_scale_seeds_tasks_too(db):
    Company.objects.all().delete()
    out = io.StringIO()
    call_command(
        "seed_scale", "--employees", "20", "--groups", "6", "--entries", "10", "--tasks", "60", stdout=out
    )
    assert Task.objects.count() == 60
    assert "Seeded 60 tasks" in out.getvalue()
    ids = list(Task.objects.values_list("pk", flat=True))
    call_command(
        "seed_scale", "--employees", "20", "--groups", "6", "--entries", "10", "--tasks", "60", stdout=out
    )
    assert list(Task.objects.values_list("pk", flat=True)) == ids  # nothing redone


def test_default_is_fifty_per_employee(company):
    employees = User.objects.filter(is_staff=False).count()
    seed()
    assert Task.objects.count() == 50 * employees


def test_refuses_a_database_with_real_people(db):
    User.objects.create_user(email="real.person@acme.test", password="x", first_name="Real")
    with pytest.raises(CommandError):
        seed("--tasks", "10")
    assert not Task.objects.exists()


def test_needs_the_seeded_company(db):
    with pytest.raises(CommandError, match="seed_scale"):
        seed("--tasks", "10")
