"""The task fragments of the control dashboard and their actions, called as every role.

The person looked at is east_rep. Roles (tests/conftest.py `roles`): outsider = developer (controls nobody),
member = east_rep (the person: nobody controls themselves), supervisor = sales_head (east_rep is in the sub-tree
they head), admin; plus other_head = it_head, a supervisor of other people. Whoever does not control the person
gets 404 (the person's tasks and existence do not leak); an action of the supervisor or the admin without htmx
flashes its message and goes back to the dashboard (302).
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from portal.notifications.models import Reminder
from tasks.choices import TaskStatus
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory
from tests.tasks.probes import TASK_TABLES
from tests.utils import Endpoint, assert_matrix, rows

LOGIN = 302
DONE = 302  # the dashboard, with the message flashed
DAY = datetime.timedelta(days=1)


def _expect(allowed: int) -> dict:
    return {
        "anonymous": LOGIN,
        "outsider": 404,
        "member": 404,
        "other_head": 404,
        "supervisor": allowed,
        "admin": allowed,
    }


def _awaiting(org, creator=None):
    return TaskFactory(
        creator=creator or org.sales_head,
        responsible=org.east_rep,
        status=TaskStatus.AWAITING_CONTROL,
        requires_control=True,
        completed_at=timezone.now() - DAY,
    )


def _overdue(org, responsible=None):
    return TaskFactory(
        creator=org.sales_head,
        responsible=responsible or org.east_rep,
        status=TaskStatus.IN_PROGRESS,
        deadline=timezone.now() - DAY,
    )


def test_control_fragments_matrix(roles, org):
    users = {**roles, "other_head": org.it_head}
    _awaiting(org)
    _overdue(org)
    TaskFactory(creator=org.sales_head, responsible=org.east_rep)
    person = org.east_rep.pk
    fresh_people: dict = {}

    def fresh_person(role: str) -> int:
        # "Remind about all" goes once a day per person: each role reminds a person of its own.
        fresh_people[role] = UserFactory(department=org.east)
        _overdue(org, fresh_people[role])
        return fresh_people[role].pk

    new_deadline = (timezone.localtime() + 3 * DAY).strftime("%Y-%m-%dT%H:%M")
    assert_matrix(
        users,
        [
            Endpoint("awaiting", "GET", reverse("tasks:control_awaiting", args=[person]), _expect(200)),
            Endpoint(
                "awaiting htmx",
                "GET",
                reverse("tasks:control_awaiting", args=[person]),
                _expect(200),
                extra={"HTTP_HX_REQUEST": "true"},
            ),
            Endpoint("overdue", "GET", reverse("tasks:control_overdue", args=[person]), _expect(200)),
            Endpoint("no deadline", "GET", reverse("tasks:control_no_deadline", args=[person]), _expect(200)),
            Endpoint(
                "accept",
                "POST",
                lambda role: reverse("tasks:control_awaiting_decide", args=[_awaiting(org).pk]),
                _expect(DONE),
                {"action": "approve"},
                "form",
            ),
            Endpoint(
                "accept all",
                "POST",
                reverse("tasks:control_awaiting_accept_all", args=[person]),
                _expect(DONE),
                # Each accepts the tasks they set (an admin's "all" is theirs too, not the head's).
                lambda role: {"task": [_awaiting(org, users[role] if role == "admin" else None).pk]},
                "form",
            ),
            Endpoint(
                "remind",
                "POST",
                lambda role: reverse("tasks:control_overdue_remind", args=[_overdue(org).pk]),
                _expect(DONE),
                {},
                "form",
                changed=rows(Reminder, "recipient_id", "key"),
            ),
            Endpoint(
                "remind about all",
                "POST",
                lambda role: reverse("tasks:control_overdue_remind_all", args=[fresh_person(role)]),
                _expect(DONE),
                {},
                "form",
                changed=rows(Reminder, "recipient_id", "key"),
            ),
            Endpoint(
                "move deadline",
                "POST",
                lambda role: reverse("tasks:control_deadline", args=[_overdue(org).pk]),
                _expect(DONE),
                {"deadline": new_deadline, "fragment": "overdue"},
                "form",
            ),
        ],
        changed=TASK_TABLES,
    )
