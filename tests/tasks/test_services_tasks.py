"""Services: the core of tasks — creating and changing tasks, their people, hierarchy, status flow, links,
rescheduling, bulk changes, seen marks and search text."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import get_template
from django.utils import timezone

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from portal.groups.choices import GroupVisibility
from portal.groups.models import Workgroup
from portal.notifications.models import Notification, UserCounter
from portal.stream.choices import AudienceKind
from portal.stream.models import Entry
from tasks import selectors, services
from tasks.choices import LinkKind, MemberRole, TaskStatus
from tasks.models import ChecklistItem, Task, TaskComment, TaskLink, TaskMember, TaskTag, TaskView
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import (
    TagFactory,
    TaskCommentFactory,
    TaskFactory,
    TaskLinkFactory,
)

UTC = datetime.UTC
S = TaskStatus


def at(year, month, day, hour=12, minute=0, tz="UTC") -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz))


def history(task, action: str | None = None):
    qs = AuditLog.objects.filter(target_type=ContentType.objects.get_for_model(Task), target_id=str(task.pk))
    return qs.filter(action=action) if action else qs


def counter(user, key: str) -> int:
    return UserCounter.objects.filter(user=user, key=key).values_list("value", flat=True).first() or 0


def notified(user, kind: str = "task") -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind=kind).values_list("title", flat=True))


def fresh(task) -> Task:
    return Task.objects.get(pk=task.pk)


@pytest.fixture
def p(org):
    """The people of a task: boss creates it for worker; helper participates, watcher observes."""
    return SimpleNamespace(
        boss=org.sales_head,
        worker=org.east_rep,
        helper=org.field_rep,
        watcher=org.sales_rep,
        outsider=org.developer,
        admin=org.admin,
    )


@pytest.fixture
def task(p):
    return services.task_create(
        actor=p.boss,
        title="Prepare the offer",
        responsible=p.worker,
        description="For **Initech**.",
        participants=[p.helper],
        observers=[p.watcher],
    )


# --- creating ------------------------------------------------------------------------------------------


def test_create_writes_the_task_its_people_and_history(p):
    task = services.task_create(
        actor=p.boss,
        title="  Prepare   the offer ",
        responsible=p.worker,
        description="For Initech.",
        participants=[p.helper, p.helper, p.worker, p.boss],
        observers=[p.watcher],
        priority="high",
        time_estimate=3600,
    )
    task = fresh(task)
    assert task.title == "Prepare the offer"
    assert (task.creator, task.responsible, task.status, task.priority) == (p.boss, p.worker, S.NEW, "high")
    assert task.time_estimate == 3600
    roles = dict(TaskMember.objects.filter(task=task).values_list("user_id", "role"))
    # The responsible person and the creator are never members; repeats collapse.
    assert roles == {p.helper.pk: MemberRole.PARTICIPANT, p.watcher.pk: MemberRole.OBSERVER}
    row = history(task, "task.create").get()
    assert row.actor == p.boss
    assert row.changes["title"] == "Prepare the offer"
    assert row.changes["responsible"]["id"] == p.worker.pk
    assert "Prepare the offer" in task.search_text and "For Initech." in task.search_text


def test_create_refuses_bad_input_field_by_field_and_writes_nothing(p, org):
    org.east_rep.is_active = False
    org.east_rep.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as exc:
        services.task_create(
            actor=p.boss,
            title="   ",
            responsible=org.east_rep,
            priority="urgent",
            time_estimate=-5,
            planned_start=at(2026, 3, 5),
            planned_end=at(2026, 3, 4),
        )
    assert set(exc.value.message_dict) == {"title", "responsible", "priority", "time_estimate", "planned_end"}
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=p.boss, title="x" * 251, responsible=p.helper)
    assert set(exc.value.message_dict) == {"title"}
    assert not Task.objects.exists()
    assert not AuditLog.objects.filter(action="task.create").exists()


def test_create_refuses_a_person_in_two_roles(p):
    with pytest.raises(ValidationError) as exc:
        services.task_create(
            actor=p.boss, title="T", responsible=p.worker, participants=[p.helper], observers=[p.helper]
        )
    assert "observers" in exc.value.message_dict
    assert not Task.objects.exists()


def test_create_needs_a_signed_in_actor(p):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.task_create(actor=AnonymousUser(), title="T", responsible=p.worker)


def test_create_with_tags_checklist_source_and_template(p):
    mine = TagFactory(owner=p.boss, name="offers")
    group = WorkgroupFactory()
    MembershipFactory(group=group, user=p.boss)
    shared = TagFactory(owner=None, group=group, name="team")
    from tests.tasks.factories import TaskTemplateFactory

    template = TaskTemplateFactory(creator=p.boss)
    source = TaskFactory(creator=p.boss, responsible=p.boss)
    task = services.task_create(
        actor=p.boss,
        title="T",
        responsible=p.worker,
        tags=[mine, shared],
        checklist=["Draft", "  ", "Review  it", "Send"],
        source=source,
        template=template,
    )
    task = fresh(task)
    assert set(TaskTag.objects.filter(task=task).values_list("tag_id", flat=True)) == {mine.pk, shared.pk}
    items = list(ChecklistItem.objects.filter(task=task).order_by("position").values_list("position", "text"))
    assert items == [(0, "Draft"), (1, "Review it"), (2, "Send")]
    assert task.checklist_count == 3
    assert task.source_type == ContentType.objects.get_for_model(Task)
    assert task.source_id == str(source.pk)
    assert task.template == template


def test_create_refuses_tags_the_actor_may_not_use(p):
    theirs = TagFactory(owner=p.outsider)
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=p.boss, title="T", responsible=p.worker, tags=[theirs])
    assert "tags" in exc.value.message_dict


def test_create_under_a_parent_keeps_its_numbers(p):
    parent = services.task_create(actor=p.boss, title="Parent", responsible=p.worker)
    services.task_create(actor=p.boss, title="Child 1", responsible=p.worker, parent=parent)
    services.task_create(actor=p.worker, title="Child 2", responsible=p.helper, parent=parent)
    parent = fresh(parent)
    assert (parent.subtasks_count, parent.subtasks_done) == (2, 0)


def test_create_refuses_a_parent_the_actor_cannot_see(p):
    hidden = TaskFactory(creator=p.outsider, responsible=p.outsider)
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=p.worker, title="Child", responsible=p.worker, parent=hidden)
    assert "parent" in exc.value.message_dict
    assert fresh(hidden).subtasks_count == 0


def test_create_in_a_group_needs_a_group_the_actor_sees(p):
    secret = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=p.boss, title="T", responsible=p.worker, group=secret)
    assert "group" in exc.value.message_dict
    archived = WorkgroupFactory(is_archived=True)
    with pytest.raises(ValidationError):
        services.task_create(actor=p.boss, title="T", responsible=p.worker, group=archived)
    MembershipFactory(group=secret, user=p.boss)
    secret = Workgroup.objects.get(pk=secret.pk)
    assert services.task_create(actor=p.boss, title="T", responsible=p.worker, group=secret).group == secret


def test_create_notifies_the_people_except_the_actor(p):
    services.task_create(
        actor=p.boss, title="Offer", responsible=p.worker, participants=[p.helper], observers=[p.watcher]
    )
    assert len(notified(p.worker)) == 1 and "Offer" in notified(p.worker)[0]
    assert len(notified(p.helper)) == 1
    assert len(notified(p.watcher)) == 1
    assert notified(p.boss) == []
    # A task one gives oneself notifies nobody.
    services.task_create(actor=p.outsider, title="Mine", responsible=p.outsider)
    assert notified(p.outsider) == []


def _audience(entry) -> tuple[set[int], set[int]]:
    rows = list(entry.audience.all())
    return (
        {r.user_id for r in rows if r.kind == AudienceKind.USER},
        {r.group_id for r in rows if r.kind == AudienceKind.GROUP},
    )


def test_create_publishes_a_stream_entry_to_the_tasks_people(p):
    task = services.task_create(
        actor=p.boss, title="Offer", responsible=p.worker, participants=[p.helper], observers=[p.watcher]
    )
    entry = Entry.objects.get(verb="task.created")
    assert entry.author == p.boss
    assert entry.target_id == str(task.pk)
    assert entry.template == "tasks/stream/task_event.html"
    users, groups = _audience(entry)
    assert users == {p.boss.pk, p.worker.pk, p.helper.pk, p.watcher.pk}
    assert groups == set()
    assert entry.context["title"] == "Offer"
    assert entry.context["responsible_name"] == p.worker.full_name
    assert entry.context["status"] == S.NEW
    # Outsiders do not see it in their stream.
    assert not Entry.objects.visible_to(p.outsider).filter(pk=entry.pk).exists()
    assert Entry.objects.visible_to(p.helper).filter(pk=entry.pk).exists()


def test_stream_entry_reaches_the_group_only_when_the_actor_is_a_member(p):
    group = WorkgroupFactory(visibility=GroupVisibility.OPEN)
    services.task_create(actor=p.boss, title="Outside", responsible=p.worker, group=group)
    assert _audience(Entry.objects.get(context__title="Outside"))[1] == set()
    MembershipFactory(group=group, user=p.boss)
    services.task_create(actor=p.boss, title="Inside", responsible=p.worker, group=group)
    assert _audience(Entry.objects.get(context__title="Inside"))[1] == {group.pk}


def test_stream_template_renders_from_the_context_without_queries(p, django_assert_num_queries):
    services.task_create(
        actor=p.boss, title="Offer <b>", responsible=p.worker, deadline=at(2026, 3, 4, 15), priority="high"
    )
    entry = Entry.objects.select_related("author").get(verb="task.created")
    data = dict(entry.context)
    with django_assert_num_queries(0):
        html = get_template(entry.template).render(
            {**data, "entry": entry, "actor": entry.author, "context": data}
        )
    assert "Offer &lt;b&gt;" in html
    assert "created a task" in html
    assert p.worker.full_name in html
    assert "2026-03-04T15:00:00+00:00" in html
    assert "High priority" in html


def test_create_recounts_the_counters_of_the_people_concerned(p, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.task_create(actor=p.boss, title="Late", responsible=p.worker, deadline=at(2020, 1, 1))
        services.task_create(actor=p.boss, title="Open-ended", responsible=p.worker)
    assert counter(p.worker, "tasks.overdue") == 1
    assert counter(p.worker, "tasks.no_deadline") == 1


# --- the working schedule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deadline, expected",
    [
        (at(2026, 3, 7, 12), at(2026, 3, 6, 18)),  # Saturday noon -> Friday, end of work
        (at(2026, 3, 8, 23), at(2026, 3, 6, 18)),  # Sunday night -> Friday
        (at(2026, 3, 4, 21), at(2026, 3, 4, 18)),  # Wednesday 21:00 -> the same day's end
        (at(2026, 3, 4, 7), at(2026, 3, 3, 18)),  # Wednesday 07:00 -> Tuesday's end
        (at(2026, 3, 2, 7), at(2026, 2, 27, 18)),  # Monday 07:00 -> the Friday before
        (at(2026, 3, 4, 12), at(2026, 3, 4, 12)),  # inside working hours: as it is
        (at(2026, 3, 4, 18), at(2026, 3, 4, 18)),  # the end of work itself is inside
        (at(2026, 3, 4, 9), at(2026, 3, 4, 9)),
    ],
)
def test_deadline_in_work_hours_moves_back_to_the_last_working_period(p, deadline, expected):
    task = services.task_create(
        actor=p.boss, title="T", responsible=p.worker, deadline=deadline, deadline_in_work_hours=True
    )
    assert fresh(task).deadline == expected


def test_deadline_in_work_hours_skips_the_company_holidays_and_keeps_moved_working_days(p):
    from portal.core.registry import CalendarSource, registry

    calendar = {
        datetime.date(2026, 3, 9): (False, "Holiday"),  # a Monday off
        datetime.date(2026, 3, 6): (False, "Holiday"),  # and the Friday before
        datetime.date(2026, 3, 14): (True, "Moved"),  # a Saturday worked
    }

    def source(*, start, end):
        return {day: value for day, value in calendar.items() if start <= day <= end}

    with registry.calendar_sources.override(CalendarSource(key="test", func=source), clear=True):
        # Monday (a holiday) noon -> back over the weekend and the Friday holiday to Thursday's end of work.
        task = services.task_create(
            actor=p.boss,
            title="T",
            responsible=p.worker,
            deadline=at(2026, 3, 9, 12),
            deadline_in_work_hours=True,
        )
        assert fresh(task).deadline == at(2026, 3, 5, 18)
        # The Saturday worked keeps a deadline inside its hours.
        task = services.task_create(
            actor=p.boss,
            title="T",
            responsible=p.worker,
            deadline=at(2026, 3, 14, 12),
            deadline_in_work_hours=True,
        )
        assert fresh(task).deadline == at(2026, 3, 14, 12)


def test_deadline_in_work_hours_uses_the_responsible_persons_time_zone_and_hours(p):
    worker = UserFactory(
        time_zone="Asia/Tokyo", work_start=datetime.time(10, 0), work_end=datetime.time(19, 0)
    )
    # Wednesday 12:00 UTC is 21:00 in Tokyo: back to 19:00 Tokyo, 10:00 UTC.
    task = services.task_create(
        actor=p.boss, title="T", responsible=worker, deadline=at(2026, 3, 4, 12), deadline_in_work_hours=True
    )
    assert fresh(task).deadline == at(2026, 3, 4, 19, tz="Asia/Tokyo") == at(2026, 3, 4, 10)
    # Friday 20:00 UTC is already Saturday 05:00 in Tokyo: back to Friday 19:00 Tokyo.
    task = services.task_create(
        actor=p.boss, title="T", responsible=worker, deadline=at(2026, 3, 6, 20), deadline_in_work_hours=True
    )
    assert fresh(task).deadline == at(2026, 3, 6, 19, tz="Asia/Tokyo")
    # Monday 00:30 UTC is Monday 09:30 Tokyo, before work at 10:00: back to Friday 19:00 Tokyo.
    task = services.task_create(
        actor=p.boss,
        title="T",
        responsible=worker,
        deadline=at(2026, 3, 9, 0, 30),
        deadline_in_work_hours=True,
    )
    assert fresh(task).deadline == at(2026, 3, 6, 19, tz="Asia/Tokyo")


def test_deadline_stays_without_the_rule(p):
    task = services.task_create(actor=p.boss, title="T", responsible=p.worker, deadline=at(2026, 3, 7, 12))
    assert fresh(task).deadline == at(2026, 3, 7, 12)


def test_turning_the_rule_on_or_changing_the_responsible_reapplies_it(p):
    task = services.task_create(actor=p.boss, title="T", responsible=p.worker, deadline=at(2026, 3, 4, 20))
    services.task_update(actor=p.boss, task=task, deadline_in_work_hours=True)
    assert fresh(task).deadline == at(2026, 3, 4, 18)
    night_owl = UserFactory(work_start=datetime.time(14, 0), work_end=datetime.time(23, 0))
    services.task_update(actor=p.boss, task=task, responsible=night_owl, deadline=at(2026, 3, 4, 22))
    assert fresh(task).deadline == at(2026, 3, 4, 22)


# --- changing ------------------------------------------------------------------------------------------


def test_creator_updates_everything_and_the_history_keeps_old_and_new(p, task):
    group = WorkgroupFactory()
    services.task_update(
        actor=p.boss,
        task=task,
        title="Prepare the final offer",
        description="Now.",
        priority="high",
        group=group,
        allow_change_deadline=True,
        requires_control=True,
        time_estimate=7200,
        deadline=at(2026, 3, 10),
    )
    task = fresh(task)
    assert (task.title, task.priority, task.group, task.time_estimate) == (
        "Prepare the final offer",
        "high",
        group,
        7200,
    )
    assert task.allow_change_deadline and task.requires_control
    row = history(task, "task.update").get()
    assert row.changes["title"] == ["Prepare the offer", "Prepare the final offer"]
    assert row.changes["priority"] == ["normal", "high"]
    assert row.changes["deadline"][0] is None
    assert "Now." in task.search_text


def test_update_refuses_unknown_fields(p, task):
    with pytest.raises(TypeError):
        services.task_update(actor=p.boss, task=task, status="completed")


def test_update_refuses_bad_values_and_changes_nothing(p, task):
    with pytest.raises(ValidationError) as exc:
        services.task_update(actor=p.boss, task=task, title="", priority="low")
    assert set(exc.value.message_dict) == {"title", "priority"}
    assert fresh(task).title == "Prepare the offer"
    assert not history(task, "task.update").exists()


def test_responsible_changes_only_the_deadline_and_only_when_allowed(p, task):
    with pytest.raises(PermissionDenied):
        services.task_update(actor=p.worker, task=task, deadline=at(2026, 3, 10))
    services.task_update(actor=p.boss, task=task, allow_change_deadline=True)
    task = fresh(task)
    services.task_update(actor=p.worker, task=task, deadline=at(2026, 3, 10))
    assert fresh(task).deadline == at(2026, 3, 10)
    with pytest.raises(PermissionDenied):
        services.task_update(actor=p.worker, task=task, title="Mine now")
    with pytest.raises(PermissionDenied):
        services.task_update(actor=p.worker, task=task, planned_start=at(2026, 3, 1))
    # Sending the unchanged form back needs no right.
    services.task_update(actor=p.worker, task=task, title=f" {task.title} ", deadline=at(2026, 3, 11))
    assert fresh(task).deadline == at(2026, 3, 11)


@pytest.mark.parametrize("who", ["helper", "watcher"])
def test_members_may_not_change_a_task(p, task, who):
    with pytest.raises(PermissionDenied):
        services.task_update(actor=getattr(p, who), task=task, title="Changed")


def test_hidden_task_answers_404_to_update(p, task):
    with pytest.raises(NotFound):
        services.task_update(actor=p.outsider, task=task, title="Changed")


def test_changing_the_responsible_person_notifies_and_recounts_both(
    p, task, django_capture_on_commit_callbacks
):
    services.task_update(actor=p.boss, task=task, deadline=at(2020, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.task_update(actor=p.boss, task=task, responsible=p.helper)
    task = fresh(task)
    assert task.responsible == p.helper
    # The new responsible person is no longer a participant: one role each.
    assert not TaskMember.objects.filter(task=task, user=p.helper).exists()
    assert any("responsible" in t for t in notified(p.helper))
    assert any("handed" in t for t in notified(p.worker))
    assert counter(p.helper, "tasks.overdue") == 1
    assert counter(p.worker, "tasks.overdue") == 0
    assert history(task, "task.update").order_by("id").last().changes["responsible"][1]["id"] == p.helper.pk


def test_update_to_a_group_the_actor_cannot_see_is_refused(p, task):
    with pytest.raises(ValidationError) as exc:
        services.task_update(
            actor=p.boss, task=task, group=WorkgroupFactory(visibility=GroupVisibility.SECRET)
        )
    assert "group" in exc.value.message_dict


# --- people --------------------------------------------------------------------------------------------


def test_set_members_adds_removes_and_moves_people(p, task):
    newcomer = UserFactory()
    services.task_set_members(actor=p.boss, task=task, participants=[newcomer, p.watcher])
    roles = dict(TaskMember.objects.filter(task=task).values_list("user_id", "role"))
    # watcher moved from observer to participant; helper left; newcomer joined.
    assert roles == {newcomer.pk: MemberRole.PARTICIPANT, p.watcher.pk: MemberRole.PARTICIPANT}
    assert len(notified(newcomer)) == 1
    row = history(task, "task.members").get()
    assert row.changes["observers"][1] == []
    services.task_set_members(actor=p.boss, task=task, observers=[newcomer, p.worker])
    roles = dict(TaskMember.objects.filter(task=task).values_list("user_id", "role"))
    assert roles == {newcomer.pk: MemberRole.OBSERVER, p.watcher.pk: MemberRole.PARTICIPANT}


def test_set_members_rules(p, task):
    with pytest.raises(PermissionDenied):
        services.task_set_members(actor=p.worker, task=task, participants=[])
    with pytest.raises(NotFound):
        services.task_set_members(actor=p.outsider, task=task, participants=[])
    with pytest.raises(ValidationError):
        services.task_set_members(actor=p.boss, task=task, participants=[p.helper], observers=[p.helper])
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError):
        services.task_set_members(actor=p.boss, task=task, participants=[gone])
    assert TaskMember.objects.filter(task=task).count() == 2


# --- deleting and moving -------------------------------------------------------------------------------


def test_delete_takes_the_subtree_and_keeps_the_parents_numbers(p, django_capture_on_commit_callbacks):
    root = services.task_create(actor=p.boss, title="Root", responsible=p.worker)
    middle = services.task_create(actor=p.boss, title="Middle", responsible=p.worker, parent=root)
    leaf = services.task_create(actor=p.boss, title="Leaf", responsible=p.helper, parent=middle)
    services.task_create(actor=p.boss, title="Sibling", responsible=p.worker, parent=root)
    with pytest.raises(PermissionDenied):
        services.task_delete(actor=p.worker, task=middle)
    with pytest.raises(NotFound):
        services.task_delete(actor=p.outsider, task=middle)
    with django_capture_on_commit_callbacks(execute=True):
        services.task_delete(actor=p.boss, task=middle)
    assert not Task.objects.filter(pk__in=[middle.pk, leaf.pk]).exists()
    root = fresh(root)
    assert (root.subtasks_count, root.subtasks_done) == (1, 0)
    row = history(middle, "task.delete").get()
    assert row.changes["subtasks_deleted"] == 1
    assert not Entry.objects.filter(target_id__in=[str(middle.pk), str(leaf.pk)]).exists()


def test_delete_of_a_closed_subtask_lowers_done(p):
    root = services.task_create(actor=p.boss, title="Root", responsible=p.worker)
    child = services.task_create(actor=p.boss, title="Child", responsible=p.worker, parent=root)
    services.task_transition(actor=p.worker, task=child, action="complete")
    assert (fresh(root).subtasks_count, fresh(root).subtasks_done) == (1, 1)
    services.task_delete(actor=p.admin, task=child)
    assert (fresh(root).subtasks_count, fresh(root).subtasks_done) == (0, 0)


def test_move_updates_both_parents_and_refuses_cycles(p):
    a = services.task_create(actor=p.boss, title="A", responsible=p.worker)
    b = services.task_create(actor=p.boss, title="B", responsible=p.worker)
    child = services.task_create(actor=p.boss, title="Child", responsible=p.worker, parent=a)
    grandchild = services.task_create(actor=p.boss, title="Grandchild", responsible=p.worker, parent=child)
    services.task_transition(actor=p.worker, task=child, action="complete", open_subtasks="keep")
    services.task_move(actor=p.boss, task=child, parent=b)
    assert (fresh(a).subtasks_count, fresh(a).subtasks_done) == (0, 0)
    assert (fresh(b).subtasks_count, fresh(b).subtasks_done) == (1, 1)
    row = history(child, "task.move").get()
    assert row.changes["parent"][0]["id"] == a.pk and row.changes["parent"][1]["id"] == b.pk
    child = fresh(child)
    for bad in (child, grandchild):
        with pytest.raises(ValidationError) as exc:
            services.task_move(actor=p.boss, task=child, parent=bad)
        assert "parent" in exc.value.message_dict
    # Deeper: b -> child -> grandchild; b under grandchild would close a circle.
    with pytest.raises(ValidationError):
        services.task_move(actor=p.boss, task=fresh(b), parent=grandchild)
    services.task_move(actor=p.boss, task=child, parent=None)
    assert fresh(child).parent_id is None
    assert fresh(b).subtasks_count == 0


def test_move_rights_and_hidden_parents(p, task):
    hidden = TaskFactory(creator=p.outsider, responsible=p.outsider)
    with pytest.raises(ValidationError):
        services.task_move(actor=p.boss, task=task, parent=hidden)
    other = services.task_create(actor=p.worker, title="Other", responsible=p.worker)
    with pytest.raises(PermissionDenied):
        services.task_move(actor=p.worker, task=task, parent=other)


# --- status ----------------------------------------------------------------------------------------------


def test_transitions_table_matches_the_issue():
    t = services.TRANSITIONS
    assert t["accept"] == ((S.NEW,), S.PENDING)
    assert set(t["start"][0]) == {S.NEW, S.PENDING, S.DEFERRED} and t["start"][1] == S.IN_PROGRESS
    assert t["pause"] == ((S.IN_PROGRESS,), S.PENDING)
    assert set(t["complete"][0]) == {S.NEW, S.PENDING, S.IN_PROGRESS, S.DEFERRED}
    assert t["approve"] == ((S.AWAITING_CONTROL,), S.COMPLETED)
    assert t["return"] == ((S.AWAITING_CONTROL,), S.IN_PROGRESS)
    assert set(t["defer"][0]) == {S.NEW, S.PENDING, S.IN_PROGRESS} and t["defer"][1] == S.DEFERRED
    assert set(t["decline"][0]) == {S.NEW, S.PENDING} and t["decline"][1] == S.DECLINED
    assert set(t["renew"][0]) == {S.COMPLETED, S.DECLINED, S.DEFERRED} and t["renew"][1] == S.PENDING


def test_the_ordinary_life_of_a_task(p, task):
    services.task_transition(actor=p.worker, task=task, action="accept")
    assert fresh(task).status == S.PENDING
    services.task_transition(actor=p.worker, task=task, action="start")
    started = fresh(task).started_at
    assert fresh(task).status == S.IN_PROGRESS and started is not None
    services.task_transition(actor=p.worker, task=task, action="pause")
    services.task_transition(actor=p.worker, task=task, action="start")
    assert fresh(task).started_at == started  # the first start counts
    services.task_transition(actor=p.worker, task=task, action="complete")
    done = fresh(task)
    assert done.status == S.COMPLETED and done.completed_at is not None and not done.became_overdue
    services.task_transition(actor=p.boss, task=task, action="renew")
    renewed = fresh(task)
    assert renewed.status == S.PENDING and renewed.completed_at is None
    rows = list(history(task, "task.status").order_by("id").values_list("changes", flat=True))
    assert [r["action"] for r in rows] == ["accept", "start", "pause", "start", "complete", "renew"]
    assert rows[-2]["status"] == [S.IN_PROGRESS, S.COMPLETED]


def test_invalid_and_unknown_actions_are_refused(p, task):
    with pytest.raises(ValidationError) as exc:
        services.task_transition(actor=p.worker, task=task, action="pause")
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.task_transition(actor=p.worker, task=task, action="explode")
    assert "action" in exc.value.message_dict
    assert fresh(task).status == S.NEW


def test_who_may_take_which_action(p, task):
    with pytest.raises(PermissionDenied):
        services.task_transition(actor=p.helper, task=task, action="start")
    with pytest.raises(PermissionDenied):
        services.task_transition(actor=p.watcher, task=task, action="complete")
    with pytest.raises(NotFound):
        services.task_transition(actor=p.outsider, task=task, action="start")
    # The creator and admins may move the status too.
    services.task_transition(actor=p.boss, task=task, action="start")
    services.task_transition(actor=p.admin, task=task, action="pause")
    assert fresh(task).status == S.PENDING


def test_completing_after_the_deadline_marks_the_task_overdue(p):
    late = services.task_create(actor=p.boss, title="Late", responsible=p.worker, deadline=at(2020, 1, 1))
    services.task_transition(actor=p.worker, task=late, action="complete")
    assert fresh(late).became_overdue
    on_time = services.task_create(
        actor=p.boss,
        title="On time",
        responsible=p.worker,
        deadline=timezone.now() + datetime.timedelta(days=1),
    )
    services.task_transition(actor=p.worker, task=on_time, action="complete")
    assert not fresh(on_time).became_overdue


def test_decline_needs_a_reason_kept_as_a_comment(p, task):
    with pytest.raises(ValidationError) as exc:
        services.task_transition(actor=p.worker, task=task, action="decline")
    assert "comment" in exc.value.message_dict
    services.task_transition(actor=p.worker, task=task, action="decline", comment="Not my area.")
    task = fresh(task)
    assert task.status == S.DECLINED and task.completed_at is not None
    assert TaskComment.objects.get(task=task).body == "Not my area."
    assert task.comments_count == 1
    assert any("declined" in t for t in notified(p.boss))


def test_control_flow(p, django_capture_on_commit_callbacks):
    task = services.task_create(actor=p.boss, title="Checked", responsible=p.worker, requires_control=True)
    services.task_transition(actor=p.worker, task=task, action="start")
    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(actor=p.worker, task=task, action="complete")
    assert fresh(task).status == S.AWAITING_CONTROL
    # The responsible person's part ended now: `completed_at` says when (kept through the control).
    assert fresh(task).completed_at is not None
    assert counter(p.boss, "tasks.awaiting_control") == 1
    assert any("awaits your control" in t for t in notified(p.boss))
    assert not Entry.objects.filter(verb="task.completed").exists()

    # Only the creator (or an admin) accepts or returns.
    with pytest.raises(PermissionDenied):
        services.task_transition(actor=p.worker, task=task, action="approve")
    with pytest.raises(ValidationError) as exc:
        services.task_transition(actor=p.boss, task=task, action="return")
    assert "comment" in exc.value.message_dict

    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(actor=p.boss, task=task, action="return", comment="Add the prices.")
    returned = fresh(task)
    assert returned.status == S.IN_PROGRESS and returned.completed_at is None
    assert counter(p.boss, "tasks.awaiting_control") == 0
    comment = TaskComment.objects.get(task=task)
    assert (comment.author, comment.body) == (p.boss, "Add the prices.")
    assert (returned.comments_count, returned.last_comment_at) == (1, comment.created_at)
    assert "Add the prices." in returned.search_text
    entry = Entry.objects.get(verb="task.returned")
    assert entry.context["comment"] == "Add the prices."
    assert any("returned" in t for t in notified(p.worker))

    services.task_transition(actor=p.worker, task=task, action="complete")
    services.task_transition(actor=p.boss, task=task, action="approve")
    assert fresh(task).status == S.COMPLETED and fresh(task).completed_at is not None
    entry = Entry.objects.get(verb="task.completed")
    users = {r.user_id for r in entry.audience.all()}
    assert users == {p.boss.pk, p.worker.pk}


def test_the_creator_completing_a_controlled_task_closes_it_at_once(p):
    task = services.task_create(actor=p.boss, title="Mine", responsible=p.worker, requires_control=True)
    services.task_transition(actor=p.boss, task=task, action="complete")
    assert fresh(task).status == S.COMPLETED


@pytest.fixture
def tree(p):
    """root -> (a, b -> b1); a is completed already."""
    root = services.task_create(actor=p.boss, title="Root", responsible=p.worker)
    a = services.task_create(actor=p.boss, title="A", responsible=p.helper, parent=root)
    b = services.task_create(
        actor=p.boss, title="B", responsible=p.helper, parent=root, requires_control=True
    )
    b1 = services.task_create(actor=p.boss, title="B1", responsible=p.watcher, parent=b)
    services.task_transition(actor=p.helper, task=a, action="complete")
    return SimpleNamespace(root=root, a=a, b=b, b1=b1)


def test_closing_a_parent_with_open_subtasks_asks_first(p, tree):
    with pytest.raises(ValidationError) as exc:
        services.task_transition(actor=p.worker, task=tree.root, action="complete")
    assert "open_subtasks" in exc.value.message_dict
    assert exc.value.error_dict["open_subtasks"][0].code == "open_subtasks"
    assert exc.value.code == "open_subtasks"
    assert fresh(tree.root).status == S.NEW
    with pytest.raises(ValidationError):
        services.task_transition(actor=p.worker, task=tree.root, action="complete", open_subtasks="maybe")


def test_keep_leaves_the_subtasks_open(p, tree):
    services.task_transition(actor=p.worker, task=tree.root, action="complete", open_subtasks="keep")
    assert fresh(tree.root).status == S.COMPLETED
    assert fresh(tree.b).status == S.NEW and fresh(tree.b1).status == S.NEW
    assert (fresh(tree.root).subtasks_count, fresh(tree.root).subtasks_done) == (2, 1)


def test_complete_closes_the_whole_subtree_skipping_control(p, tree):
    services.task_transition(actor=p.worker, task=tree.root, action="complete", open_subtasks="complete")
    for t in (tree.root, tree.b, tree.b1):
        assert fresh(t).status == S.COMPLETED, t.title
    assert (fresh(tree.root).subtasks_count, fresh(tree.root).subtasks_done) == (2, 2)
    assert (fresh(tree.b).subtasks_count, fresh(tree.b).subtasks_done) == (1, 1)
    assert history(tree.b1, "task.status").get().changes["status"] == [S.NEW, S.COMPLETED]
    assert any("together with its parent" in t for t in notified(p.watcher))
    # Renewing a subtask opens it again in the parent's numbers.
    services.task_transition(actor=p.helper, task=tree.b, action="renew")
    assert fresh(tree.root).subtasks_done == 1


def test_set_status_maps_a_target_status_to_the_action(p):
    def make(status, **kw):
        t = services.task_create(actor=p.boss, title=status, responsible=p.worker, **kw)
        Task.objects.filter(pk=t.pk).update(status=status)
        return fresh(t)

    cases = [
        (S.NEW, S.PENDING, "accept"),
        (S.IN_PROGRESS, S.PENDING, "pause"),
        (S.DEFERRED, S.PENDING, "renew"),
        (S.PENDING, S.IN_PROGRESS, "start"),
        (S.NEW, S.DEFERRED, "defer"),
        (S.AWAITING_CONTROL, S.COMPLETED, "approve"),
        (S.AWAITING_CONTROL, S.IN_PROGRESS, "return"),
    ]
    for old, new, action in cases:
        t = make(old)
        services.task_set_status(actor=p.boss, task=t, status=new, comment="Again.")
        assert fresh(t).status == new, (old, new)
        assert history(t, "task.status").get().changes["action"] == action
    # Two steps: a closed task dragged back into work is renewed and started.
    t = make(S.COMPLETED)
    services.task_set_status(actor=p.worker, task=t, status=S.IN_PROGRESS)
    assert fresh(t).status == S.IN_PROGRESS
    assert [r.changes["action"] for r in history(t, "task.status").order_by("id")] == ["renew", "start"]
    # A controlled task dragged to "awaiting control" by its responsible person.
    t = make(S.IN_PROGRESS, requires_control=True)
    services.task_set_status(actor=p.worker, task=t, status=S.AWAITING_CONTROL)
    assert fresh(t).status == S.AWAITING_CONTROL
    # Impossible moves are refused; the same status changes nothing.
    t = make(S.PENDING)
    with pytest.raises(ValidationError):
        services.task_set_status(actor=p.boss, task=t, status=S.NEW)
    with pytest.raises(ValidationError):
        services.task_set_status(actor=p.boss, task=t, status=S.AWAITING_CONTROL)
    with pytest.raises(ValidationError):
        services.task_set_status(actor=p.boss, task=t, status="lost")
    services.task_set_status(actor=p.boss, task=t, status=S.PENDING)
    assert not history(t, "task.status").exists()


def test_available_actions_follow_the_rights_and_the_status(p, task):
    assert selectors.available_actions(p.worker, task) == ["accept", "start", "complete", "defer", "decline"]
    assert selectors.available_actions(p.boss, task) == ["accept", "start", "complete", "defer", "decline"]
    assert selectors.available_actions(p.helper, task) == []
    Task.objects.filter(pk=task.pk).update(status=S.AWAITING_CONTROL)
    task = fresh(task)
    assert selectors.available_actions(p.worker, task) == []
    assert selectors.available_actions(p.boss, task) == ["approve", "return"]
    assert selectors.available_actions(p.admin, task) == ["approve", "return"]


# --- links -----------------------------------------------------------------------------------------------


def mk(p, title, **kw):
    kw.setdefault("responsible", p.worker)
    return services.task_create(actor=p.boss, title=title, **kw)


def test_link_create_audits_both_tasks(p):
    a, b = mk(p, "A"), mk(p, "B")
    link = services.link_create(actor=p.boss, predecessor=a, successor=b, kind=LinkKind.START_TO_START)
    assert (link.predecessor, link.successor, link.kind, link.created_by) == (a, b, "ss", p.boss)
    assert history(a, "task.link_add").exists() and history(b, "task.link_add").exists()


def test_link_create_refuses_self_repeats_and_cycles(p):
    a, b, c = mk(p, "A"), mk(p, "B"), mk(p, "C")
    with pytest.raises(ValidationError) as exc:
        services.link_create(actor=p.boss, predecessor=a, successor=a)
    assert "predecessor" in exc.value.message_dict
    services.link_create(actor=p.boss, predecessor=a, successor=b)
    with pytest.raises(ValidationError) as exc:
        services.link_create(actor=p.boss, predecessor=a, successor=b, kind="ff")
    assert "predecessor" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.link_create(actor=p.boss, predecessor=b, successor=a)
    services.link_create(actor=p.boss, predecessor=b, successor=c, kind="ss")
    # Over the link graph, whatever the kinds.
    with pytest.raises(ValidationError) as exc:
        services.link_create(actor=p.boss, predecessor=c, successor=a, kind="sf")
    assert "predecessor" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.link_create(actor=p.boss, predecessor=a, successor=c, kind="zz")
    assert TaskLink.objects.count() == 2


def test_link_rights(p):
    a = mk(p, "A", participants=[p.helper])
    b = mk(p, "B", participants=[p.helper])
    hidden = TaskFactory(creator=p.outsider, responsible=p.outsider)
    with pytest.raises(PermissionDenied):
        services.link_create(actor=p.helper, predecessor=a, successor=b)
    with pytest.raises(NotFound):
        services.link_create(actor=p.boss, predecessor=hidden, successor=b)
    with pytest.raises(NotFound):
        services.link_create(actor=p.outsider, predecessor=hidden, successor=b)
    # The responsible person of the successor may link it (across projects too).
    b.group = WorkgroupFactory()
    link = services.link_create(actor=p.worker, predecessor=a, successor=b)
    with pytest.raises(PermissionDenied):
        services.link_delete(actor=p.helper, link=link)
    with pytest.raises(NotFound):
        services.link_delete(actor=p.outsider, link=link)
    services.link_delete(actor=p.worker, link=link)
    assert not TaskLink.objects.exists()
    assert history(a, "task.link_remove").exists() and history(b, "task.link_remove").exists()


def test_a_link_already_broken_flags_the_successor_and_unlinking_clears_it(p):
    a = mk(p, "A", planned_start=at(2026, 3, 2, 9), planned_end=at(2026, 3, 6, 18))
    b = mk(p, "B", planned_start=at(2026, 3, 4, 9), planned_end=at(2026, 3, 5, 18))
    link = services.link_create(actor=p.boss, predecessor=a, successor=b)
    assert fresh(b).schedule_conflict
    assert fresh(b).planned_start == at(2026, 3, 4, 9)  # linking moves nothing
    services.link_delete(actor=p.boss, link=link)
    assert not fresh(b).schedule_conflict


# --- rescheduling ------------------------------------------------------------------------------------------


@pytest.fixture
def chain(p):
    """A (Mar 2-4) -fs-> B (Mar 5-6, deadline Mar 6 18:00) -fs-> C (Mar 9-10); D has only a deadline."""
    a = mk(p, "A", planned_start=at(2026, 3, 2, 9), planned_end=at(2026, 3, 4, 18))
    b = mk(
        p,
        "B",
        planned_start=at(2026, 3, 5, 9),
        planned_end=at(2026, 3, 6, 12),
        deadline=at(2026, 3, 6, 18),
        responsible=p.helper,
    )
    c = mk(p, "C", planned_start=at(2026, 3, 9, 9), planned_end=at(2026, 3, 10, 18))
    d = mk(p, "D", deadline=at(2026, 3, 11, 18))
    TaskLinkFactory(predecessor=a, successor=b)
    TaskLinkFactory(predecessor=b, successor=c)
    TaskLinkFactory(predecessor=c, successor=d)
    return SimpleNamespace(a=a, b=b, c=c, d=d)


def test_reschedule_shifts_the_dependants_keeping_their_durations(p, chain):
    changed = services.task_reschedule(
        actor=p.boss, task=chain.a, planned_end=at(2026, 3, 9, 18), dependants="shift"
    )
    assert [t.pk for t in changed] == [chain.a.pk, chain.b.pk, chain.c.pk, chain.d.pk]
    b, c, d = fresh(chain.b), fresh(chain.c), fresh(chain.d)
    delta = at(2026, 3, 9, 18) - at(2026, 3, 5, 9)
    assert b.planned_start == at(2026, 3, 9, 18)
    assert b.planned_end == at(2026, 3, 6, 12) + delta
    assert b.deadline == at(2026, 3, 6, 18) + delta
    assert c.planned_start == b.planned_end  # pushed just far enough
    assert c.planned_end - c.planned_start == at(2026, 3, 10, 18) - at(2026, 3, 9, 9)
    # D has only a deadline: judged by it, moved to C's end.
    assert d.deadline == c.planned_end
    assert not any(t.schedule_conflict for t in (b, c, d))
    row = history(b, "task.reschedule").get()
    assert row.actor == p.boss and row.changes["after"]["id"] == chain.a.pk
    assert "planned_start" in row.changes and "deadline" in row.changes


def test_reschedule_flag_only_marks_the_direct_conflicts(p, chain):
    changed = services.task_reschedule(
        actor=p.boss, task=chain.a, planned_end=at(2026, 3, 6, 18), dependants="flag"
    )
    assert [t.pk for t in changed] == [chain.a.pk, chain.b.pk]
    b = fresh(chain.b)
    assert b.schedule_conflict and b.planned_start == at(2026, 3, 5, 9)
    assert not fresh(chain.c).schedule_conflict
    assert history(b, "task.reschedule").get().changes["schedule_conflict"] == [False, True]
    # Moving A back makes the link hold again: the flag clears.
    changed = services.task_reschedule(
        actor=p.boss, task=chain.a, planned_end=at(2026, 3, 4, 12), dependants="flag"
    )
    assert not fresh(chain.b).schedule_conflict
    assert chain.b.pk in [t.pk for t in changed]


def test_moving_a_task_earlier_leaves_its_dependants_alone(p, chain):
    changed = services.task_reschedule(actor=p.boss, task=chain.a, planned_end=at(2026, 3, 3, 18))
    assert [t.pk for t in changed] == [chain.a.pk]
    assert fresh(chain.b).planned_start == at(2026, 3, 5, 9)


def test_moving_a_successor_before_its_predecessor_flags_it(p, chain):
    services.task_reschedule(
        actor=p.helper, task=chain.b, planned_start=at(2026, 3, 3, 9), planned_end=at(2026, 3, 3, 18)
    )
    assert fresh(chain.b).schedule_conflict


@pytest.mark.parametrize(
    "kind, new_a, expected_b",
    [
        # A is Mar 2 09:00 - Mar 4 18:00; B is Mar 5 09:00 - Mar 6 12:00 (27 h).
        (
            "ss",
            {"planned_start": at(2026, 3, 5, 12), "planned_end": at(2026, 3, 7, 18)},
            (at(2026, 3, 5, 12), None),
        ),
        ("ff", {"planned_end": at(2026, 3, 7, 12)}, (None, at(2026, 3, 7, 12))),
        (
            "sf",
            {"planned_start": at(2026, 3, 6, 15), "planned_end": at(2026, 3, 8, 18)},
            (None, at(2026, 3, 6, 15)),
        ),
        ("fs", {"planned_end": at(2026, 3, 5, 9)}, (at(2026, 3, 5, 9), None)),  # touching holds
    ],
)
def test_each_link_kind_has_its_constraint(p, kind, new_a, expected_b):
    a = mk(p, "A", planned_start=at(2026, 3, 2, 9), planned_end=at(2026, 3, 4, 18))
    b = mk(p, "B", planned_start=at(2026, 3, 5, 9), planned_end=at(2026, 3, 6, 12))
    TaskLinkFactory(predecessor=a, successor=b, kind=kind)
    services.task_reschedule(actor=p.boss, task=a, **new_a)
    b = fresh(b)
    start, end = expected_b
    if start:
        assert b.planned_start == start
    if end:
        assert b.planned_end == end
    assert b.planned_end - b.planned_start == datetime.timedelta(hours=27)


def test_reschedule_rights(p, chain):
    # The responsible person plans the task; the deadline needs the creator's permission.
    services.task_reschedule(actor=p.helper, task=chain.b, planned_end=at(2026, 3, 6, 15))
    with pytest.raises(PermissionDenied):
        services.task_reschedule(actor=p.helper, task=chain.b, deadline=at(2026, 3, 7, 18))
    with pytest.raises(NotFound):
        services.task_reschedule(actor=p.helper, task=chain.a, planned_end=at(2026, 3, 7, 18))
    services.task_set_members(actor=p.boss, task=chain.a, participants=[p.helper])
    with pytest.raises(PermissionDenied):
        services.task_reschedule(actor=p.helper, task=chain.a, planned_end=at(2026, 3, 7, 18))
    with pytest.raises(ValidationError):
        services.task_reschedule(actor=p.boss, task=chain.a, planned_end=at(2026, 3, 1, 18))
    with pytest.raises(ValidationError):
        services.task_reschedule(
            actor=p.boss, task=chain.a, planned_end=at(2026, 3, 9), dependants="sideways"
        )
    assert fresh(chain.a).planned_end == at(2026, 3, 4, 18)


def test_task_update_of_dates_follows_the_dependants_policy(p, chain):
    services.task_update(actor=p.boss, task=chain.a, planned_end=at(2026, 3, 5, 18), dependants="flag")
    assert fresh(chain.b).schedule_conflict
    assert fresh(chain.b).planned_start == at(2026, 3, 5, 9)
    services.task_update(actor=p.boss, task=fresh(chain.a), planned_end=at(2026, 3, 5, 19))
    assert fresh(chain.b).planned_start == at(2026, 3, 5, 19)
    assert not fresh(chain.b).schedule_conflict


def test_reschedule_recounts_the_people_of_the_moved_tasks(p, chain, django_capture_on_commit_callbacks):
    Task.objects.filter(pk=chain.b.pk).update(deadline=timezone.now() + datetime.timedelta(hours=2))
    b_now = fresh(chain.b)
    with django_capture_on_commit_callbacks(execute=True):
        services.task_reschedule(
            actor=p.boss, task=chain.b, deadline=timezone.now() - datetime.timedelta(hours=1)
        )
    assert counter(p.helper, "tasks.overdue") == 1
    assert b_now.responsible == p.helper


# --- bulk changes --------------------------------------------------------------------------------------


def test_bulk_update_applies_per_task_and_reports_the_skipped(p):
    mine = mk(p, "Mine")
    also_mine = mk(p, "Also mine")
    blocked = mk(p, "With an open subtask")
    mk(p, "Open subtask", parent=blocked)
    not_mine = services.task_create(actor=p.worker, title="Theirs", responsible=p.worker, observers=[p.boss])
    hidden = TaskFactory(creator=p.outsider, responsible=p.outsider)
    result = services.tasks_bulk_update(
        actor=p.boss,
        tasks=[mine, also_mine.pk, blocked, not_mine, hidden, 999_999],
        responsible=p.helper,
        status=S.COMPLETED,
    )
    assert result.done == [mine.pk, also_mine.pk]
    assert set(result.skipped) == {blocked.pk, not_mine.pk, hidden.pk, 999_999}
    assert result.skipped[hidden.pk] == result.skipped[999_999] == "Not found."
    assert "creator" in result.skipped[not_mine.pk]
    assert "subtask" in result.skipped[blocked.pk]
    for t in (mine, also_mine):
        assert (fresh(t).responsible, fresh(t).status) == (p.helper, S.COMPLETED)
    # Never half-applied: the blocked task kept its responsible person although that part was allowed.
    assert (fresh(blocked).responsible, fresh(blocked).status) == (p.worker, S.NEW)
    assert not history(blocked, "task.update").exists()


def test_bulk_update_of_deadline_and_tags(p):
    a, b = mk(p, "A"), mk(p, "B")
    urgent, old = TagFactory(owner=p.boss, name="urgent"), TagFactory(owner=p.boss, name="old")
    TaskTag.objects.create(task=b, tag=old)
    result = services.tasks_bulk_update(
        actor=p.boss, tasks=[a, b], deadline=at(2026, 4, 1), add_tags=[urgent], remove_tags=[old]
    )
    assert result.done == [a.pk, b.pk] and result.skipped == {}
    for t in (a, b):
        assert fresh(t).deadline == at(2026, 4, 1)
        assert list(TaskTag.objects.filter(task=t).values_list("tag__name", flat=True)) == ["urgent"]
    with pytest.raises(ValidationError):
        services.tasks_bulk_update(actor=p.boss, tasks=[a], add_tags=[TagFactory(owner=p.outsider)])


# --- seen marks and search text --------------------------------------------------------------------------


def test_mark_seen_upserts_the_view_and_recounts(p, task, django_capture_on_commit_callbacks):
    TaskCommentFactory(task=task, author=p.boss, created_at=timezone.now() - datetime.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        services.task_search_text_refresh(task_ids=[task.pk])
        from portal.notifications.counters import counters_recount

        counters_recount([p.worker.pk], ["tasks.unseen_comments"])
    assert counter(p.worker, "tasks.unseen_comments") == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.task_mark_seen(user=p.worker, task=task)
    first = TaskView.objects.get(task=task, user=p.worker).seen_at
    assert counter(p.worker, "tasks.unseen_comments") == 0
    services.task_mark_seen(user=p.worker, task=task)
    assert TaskView.objects.filter(task=task, user=p.worker).count() == 1
    assert TaskView.objects.get(task=task, user=p.worker).seen_at >= first
    with pytest.raises(NotFound):
        services.task_mark_seen(user=p.outsider, task=task)


def test_search_text_holds_title_description_and_comments_plain(p, task):
    TaskCommentFactory(
        task=task, author=p.boss, body=f"Ask @[{p.helper.full_name}](user:{p.helper.pk}) first"
    )
    services.task_search_text_refresh(task_ids=[task.pk])
    text = fresh(task).search_text
    assert text.startswith("Prepare the offer\nFor **Initech**.")
    assert f"Ask @{p.helper.full_name} first" in text
    assert "(user:" not in text
    TaskCommentFactory(task=task, author=p.boss, body="x" * 150_000)
    services.task_search_text_refresh(task_ids=[task.pk, task.pk])
    assert len(fresh(task).search_text) == 100_000
    services.task_search_text_refresh(task_ids=[])
