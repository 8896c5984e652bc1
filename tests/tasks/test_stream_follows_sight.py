"""The stream entries about a task stop reaching people who lose sight of it."""

from __future__ import annotations

from portal.groups.choices import GroupVisibility
from portal.stream.models import Entry
from portal.stream.selectors import entry_list
from portal.stream.services import entry_audience_remove
from tasks import selectors, services
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.review_setup import page_client

# --- 5. stream entries follow who may see the task ---------------------------------------------------------


def _task_entries(user, task) -> list[Entry]:
    return list(entry_list(user=user).filter(target_id=str(task.pk), verb__startswith="task."))


def test_a_removed_participant_no_longer_reads_the_tasks_entries(org):
    task = services.task_create(
        actor=org.sales_rep, title="Merger memo", responsible=org.field_rep, participants=[org.developer]
    )
    assert _task_entries(org.developer, task)
    services.task_set_members(actor=org.sales_rep, task=task, participants=[])
    assert not selectors.can_see(org.developer, task)
    assert _task_entries(org.developer, task) == []
    response = page_client(org.developer).get("/stream/")
    assert response.status_code == 200 and "Merger memo" not in response.content.decode()
    # The task's people still read them.
    assert _task_entries(org.field_rep, task)


def test_a_removed_person_who_still_sees_the_task_keeps_its_entries(org):
    task = services.task_create(
        actor=org.sales_rep, title="Merger memo", responsible=org.field_rep, observers=[org.east_head]
    )
    services.task_set_members(actor=org.sales_rep, task=task, observers=[])
    assert selectors.can_see(org.east_head, task)  # heads the responsible person's department
    assert _task_entries(org.east_head, task)


def test_the_replaced_responsible_person_no_longer_reads_the_tasks_entries(org):
    task = services.task_create(actor=org.sales_rep, title="Merger memo", responsible=org.developer)
    assert _task_entries(org.developer, task)
    services.task_update(actor=org.sales_rep, task=task, responsible=org.field_rep)
    assert not selectors.can_see(org.developer, task)
    assert _task_entries(org.developer, task) == []
    assert _task_entries(org.field_rep, task) == []  # not written for them; no leak either way


def test_a_task_moved_to_another_group_leaves_the_old_groups_feed(org):
    old = WorkgroupFactory(name="Old team", visibility=GroupVisibility.SECRET)
    new = WorkgroupFactory(name="New team", visibility=GroupVisibility.SECRET)
    for group in (old, new):
        MembershipFactory(group=group, user=org.sales_rep)
    MembershipFactory(group=old, user=org.developer)
    task = services.task_create(
        actor=org.sales_rep, title="Merger memo", responsible=org.sales_rep, group=old
    )
    assert _task_entries(org.developer, task)
    services.task_update(actor=org.sales_rep, task=task, group=new)
    assert not selectors.can_see(org.developer, task)
    assert _task_entries(org.developer, task) == []


def test_entry_audience_remove_touches_only_events_about_the_target(org):
    task = services.task_create(
        actor=org.sales_rep, title="Merger memo", responsible=org.field_rep, participants=[org.developer]
    )
    other = services.task_create(
        actor=org.sales_rep, title="Other memo", responsible=org.field_rep, participants=[org.developer]
    )
    assert entry_audience_remove(target=task, users=[org.developer]) == 1
    assert _task_entries(org.developer, task) == [] and _task_entries(org.developer, other)
    assert entry_audience_remove(target=task) == 0
