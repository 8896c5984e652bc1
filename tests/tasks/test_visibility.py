"""Who sees a task: its people, its group's members (everyone for an open group), the supervisors of the
responsible person up the department tree, and admins. Everyone else gets 404 — from the queryset, the
selectors, every service and the stream; a visible task without the right answers 403."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from portal.core.errors import NotFound
from portal.groups.choices import GroupVisibility
from portal.people.models import User
from portal.stream.models import Entry
from tasks import selectors, services
from tasks.models import Task
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory


@pytest.fixture
def t(org):
    """A task of east_rep (Sales East), created by someone outside the tree, with a participant and an
    observer."""
    people = SimpleNamespace(
        creator=UserFactory(email="creator@acme.test"),
        participant=UserFactory(email="participant@acme.test"),
        observer=UserFactory(email="observer@acme.test"),
    )
    task = services.task_create(
        actor=people.creator,
        title="Visit the client",
        responsible=org.east_rep,
        participants=[people.participant],
        observers=[people.observer],
    )
    people.task = task
    return people


def sees(user, task) -> bool:
    """Both the choke point and the one-task predicate must agree."""
    in_queryset = Task.objects.visible_to(user).filter(pk=task.pk).exists()
    assert selectors.can_see(user, task) == in_queryset
    return in_queryset


@pytest.mark.parametrize(
    "who, expected",
    [
        ("creator", True),
        ("responsible", True),
        ("participant", True),
        ("observer", True),
        ("east_head", True),  # heads the responsible person's department
        ("sales_head", True),  # ...and the department above it
        ("ceo", True),  # ...up to the top of the tree
        ("admin", True),
        ("it_head", False),  # a head of another branch
        ("developer", False),
        ("sales_rep", False),  # a colleague higher up who heads nothing
        ("field_rep", False),  # below the responsible person, but no head
    ],
)
def test_who_sees_a_task(org, t, who, expected):
    user = {"creator": t.creator, "participant": t.participant, "observer": t.observer}.get(who) or (
        org.east_rep if who == "responsible" else getattr(org, who)
    )
    assert sees(user, t.task) is expected
    if expected:
        assert selectors.task_get(user=user, pk=t.task.pk) == t.task
        assert t.task in selectors.task_list(user=user)
    else:
        with pytest.raises(NotFound):
            selectors.task_get(user=user, pk=t.task.pk)
        assert t.task not in selectors.task_list(user=user)


def test_nobody_signed_out_or_deactivated_sees_anything(org, t):
    assert not sees(AnonymousUser(), t.task)
    User.objects.filter(pk=t.creator.pk).update(is_active=False)
    assert not sees(User.objects.get(pk=t.creator.pk), t.task)


def test_a_department_without_a_head_is_supervised_from_above(org):
    task = TaskFactory(responsible=org.field_rep)  # East Field has no head of its own
    assert sees(org.east_head, task)
    assert sees(org.sales_head, task)
    assert sees(org.ceo, task)
    assert not sees(org.it_head, task)


def test_supervision_follows_the_responsible_person(org, t):
    services.task_update(actor=t.creator, task=t.task, responsible=org.developer)
    task = Task.objects.get(pk=t.task.pk)
    assert sees(org.it_head, task)
    assert not sees(org.sales_head, task)
    assert not sees(org.east_head, task)
    # ...and the department tree: moving the person moves who supervises them.
    User.objects.filter(pk=org.developer.pk).update(department=org.east)
    assert sees(org.sales_head, task)
    assert not sees(org.it_head, task)


@pytest.mark.parametrize(
    "visibility, member_sees, outsider_sees",
    [
        (GroupVisibility.OPEN, True, True),  # an open group's tasks are everyone's to see
        (GroupVisibility.CLOSED, True, False),
        (GroupVisibility.SECRET, True, False),
    ],
)
def test_group_members_see_the_groups_tasks(org, visibility, member_sees, outsider_sees):
    group = WorkgroupFactory(visibility=visibility)
    MembershipFactory(group=group, user=org.it_head)
    task = TaskFactory(group=group)
    assert sees(org.it_head, task) is member_sees
    assert sees(org.developer, task) is outsider_sees
    Task.objects.filter(pk=task.pk).update(group=None)
    assert not sees(org.it_head, Task.objects.get(pk=task.pk))


def test_the_creation_entry_in_the_stream_is_for_the_tasks_people(org, t):
    entry = Entry.objects.get(verb="task.created", target_id=str(t.task.pk))
    for person in (t.creator, t.participant, t.observer, org.east_rep, org.admin):
        assert Entry.objects.visible_to(person).filter(pk=entry.pk).exists()
    for person in (org.it_head, org.developer, org.field_rep):
        assert not Entry.objects.visible_to(person).filter(pk=entry.pk).exists()


def _calls(task, other):
    later = datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)
    return {
        "update": lambda u: services.task_update(actor=u, task=task, title="Changed"),
        "members": lambda u: services.task_set_members(actor=u, task=task, participants=[]),
        "delete": lambda u: services.task_delete(actor=u, task=task),
        "start": lambda u: services.task_transition(actor=u, task=task, action="start"),
        "set_status": lambda u: services.task_set_status(actor=u, task=task, status="deferred"),
        "move": lambda u: services.task_move(actor=u, task=task, parent=other),
        "reschedule": lambda u: services.task_reschedule(actor=u, task=task, deadline=later),
        "link": lambda u: services.link_create(actor=u, predecessor=other, successor=task),
    }


ACTIONS = ["update", "members", "delete", "start", "set_status", "move", "reschedule", "link"]


@pytest.mark.parametrize("action", ACTIONS)
def test_services_answer_404_for_a_hidden_task(org, t, action):
    other = TaskFactory(creator=org.it_head, responsible=org.it_head)
    with pytest.raises(NotFound):
        _calls(t.task, other)[action](org.it_head)
    assert Task.objects.get(pk=t.task.pk).title == "Visit the client"
    with pytest.raises(NotFound):
        services.task_mark_seen(user=org.it_head, task=t.task)


@pytest.mark.parametrize("action", ACTIONS)
def test_services_answer_403_to_a_supervisor_who_only_sees_the_task(org, t, action):
    other = TaskFactory(creator=org.sales_head, responsible=org.sales_head)
    with pytest.raises(PermissionDenied):
        _calls(t.task, other)[action](org.sales_head)
    task = Task.objects.get(pk=t.task.pk)
    assert (task.title, task.status, task.parent_id, task.deadline) == ("Visit the client", "new", None, None)
    # Seeing is enough to mark the comments seen.
    services.task_mark_seen(user=org.sales_head, task=t.task)


@pytest.mark.parametrize("action", ACTIONS)
def test_admins_may_do_everything(org, t, action):
    other = TaskFactory(creator=org.admin, responsible=org.admin)
    _calls(t.task, other)[action](org.admin)


# --- the role lists skip the rule, never widen it ---------------------------------------------------------


@pytest.mark.parametrize("role", ["do", "help", "set", "observe", "all", None])
def test_a_role_list_holds_the_same_tasks_with_or_without_the_visibility_rule(org, t, role):
    """`visible_in_role` leaves the visibility filter out for the lists of tasks the person is named on; the
    role's own filter then gives exactly what `visible_to` + the role would, for everyone involved or not."""
    from tasks.filters import filter_by_role

    hidden_group = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    TaskFactory(
        responsible=t.observer, creator=t.participant, group=hidden_group
    )  # in no one's sight but theirs
    TaskFactory(responsible=org.developer, creator=org.developer)
    for user in [t.creator, t.participant, t.observer, org.east_rep, org.east_head, org.developer, org.admin]:
        fast = filter_by_role(Task.objects.visible_in_role(user, role), user, role)
        full = filter_by_role(Task.objects.visible_to(user), user, role)
        assert sorted(fast.values_list("pk", flat=True)) == sorted(full.values_list("pk", flat=True)), user


def test_a_role_list_shows_nothing_to_a_deactivated_person(t):
    t.creator.is_active = False
    for role in ["do", "set", "all"]:
        assert not Task.objects.visible_in_role(t.creator, role).exists()
