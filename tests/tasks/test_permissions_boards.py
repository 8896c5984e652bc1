"""Every endpoint of the boards and the Gantt chart, called as every role.

The task of a row is made fresh for each role: created by east_head, the responsible person is east_rep
(the `member` role). sales_head (the `supervisor`) heads east_rep's department tree, so sees the task but
may not change it; developer (the `outsider`) does not see it: task endpoints answer 404. A plan board is
personal: everyone has their own, and another person's column answers 404 to everyone, admins included.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.groups.choices import GroupVisibility
from tasks import services
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.factories import TaskFactory
from tests.tasks.probes import TASK_TABLES
from tests.utils import ROLES, Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

LOGIN = 302  # pages and their endpoints send anonymous visitors to the login page


def _all(status) -> dict:
    return {role: (LOGIN if role == "anonymous" else status) for role in ROLES}


def _task_rule(*, outsider, member, supervisor, admin) -> dict:
    return {
        "anonymous": LOGIN,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


@pytest.fixture
def endpoints(org, roles):
    start = timezone.now() + datetime.timedelta(days=1)

    def fresh_task(role):
        return TaskFactory(
            creator=org.east_head,
            responsible=org.east_rep,
            planned_start=start,
            planned_end=start + datetime.timedelta(days=2),
        )

    def task_url(name):
        return lambda role: reverse(f"tasks:{name}", args=[fresh_task(role).pk])

    def own_columns(role):
        user = roles[role]
        return services.plan_ensure_columns(actor=user) if user is not None else []

    def own_column_url(name):
        def build(role):
            columns = own_columns(role)
            return reverse(f"tasks:{name}", args=[columns[-1].pk if columns else 0])

        return build

    someone_elses = services.plan_ensure_columns(actor=org.field_rep)
    secret = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    MembershipFactory(group=secret, user=org.east_rep)
    moved = {
        "planned_start": (start + datetime.timedelta(days=3)).isoformat(),
        "planned_end": (start + datetime.timedelta(days=4)).isoformat(),
        "dependants": "shift",
    }
    return [
        Endpoint("kanban page", "GET", reverse("tasks:kanban"), _all(200)),
        Endpoint("kanban page, role set", "GET", reverse("tasks:kanban") + "?role=set", _all(200)),
        Endpoint(
            "kanban next cards",
            "GET",
            reverse("tasks:kanban_more") + "?role=team&status=new&offset=0",
            _all(200),
        ),
        Endpoint(
            "kanban drop",
            "POST",
            task_url("kanban_move"),
            _task_rule(outsider=404, member=200, supervisor=403, admin=200),
            {"status": "pending"},
            "form",
        ),
        Endpoint("plan page", "GET", reverse("tasks:plan"), _all(200)),
        Endpoint(
            "plan card move",
            "POST",
            task_url("plan_card_move"),
            _task_rule(outsider=404, member=200, supervisor=200, admin=200),
            lambda role: {"column": own_columns(role)[0].pk if roles[role] else 0, "position": 0},
            "form",
        ),
        Endpoint(
            "plan card move to someone else's column",
            "POST",
            task_url("plan_card_move"),
            _all(404),
            {"column": someone_elses[0].pk, "position": 0},
            "form",
        ),
        Endpoint(
            "plan column add",
            "POST",
            reverse("tasks:plan_column_create"),
            _all(302),
            {"name": "Later"},
            "form",
        ),
        Endpoint(
            "plan column rename",
            "POST",
            own_column_url("plan_column_rename"),
            _all(302),
            {"name": "Soon"},
            "form",
        ),
        Endpoint(
            "plan column rename, someone else's",
            "POST",
            reverse("tasks:plan_column_rename", args=[someone_elses[1].pk]),
            _all(404),
            {"name": "Mine"},
            "form",
        ),
        Endpoint("plan column delete", "POST", own_column_url("plan_column_delete"), _all(302), {}, "form"),
        Endpoint(
            "plan column delete, someone else's",
            "POST",
            reverse("tasks:plan_column_delete", args=[someone_elses[2].pk]),
            _all(404),
            {},
            "form",
        ),
        Endpoint(
            "plan columns reorder",
            "POST",
            reverse("tasks:plan_columns_reorder"),
            _all(200),
            lambda role: {"column": [c.pk for c in reversed(own_columns(role))]},
            "form",
        ),
        Endpoint("gantt page", "GET", reverse("tasks:gantt"), _all(200)),
        Endpoint(
            "gantt page of a secret project",
            "GET",
            reverse("tasks:gantt") + f"?group={secret.pk}",
            _task_rule(outsider=404, member=200, supervisor=404, admin=200),
        ),
        Endpoint("gantt data", "GET", reverse("tasks:gantt_data"), _all(200)),
        Endpoint(
            "gantt data of a secret project",
            "GET",
            reverse("tasks:gantt_data") + f"?group={secret.pk}",
            _task_rule(outsider=404, member=200, supervisor=404, admin=200),
        ),
        Endpoint(
            "gantt reschedule",
            "POST",
            task_url("gantt_reschedule"),
            _task_rule(outsider=404, member=200, supervisor=403, admin=200),
            moved,
            "form",
        ),
    ]


def test_board_endpoints_permission_matrix(org, roles, endpoints):
    before = [(c.pk, c.name, c.position) for c in services.plan_ensure_columns(actor=org.field_rep)]
    assert_matrix(roles, endpoints, changed=TASK_TABLES)
    # Nobody's request changed someone else's board.
    after = [(c.pk, c.name, c.position) for c in services.plan_ensure_columns(actor=org.field_rep)]
    assert after == before
