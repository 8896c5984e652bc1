"""The task cells of the control dashboard and the fragments they open in place: "Waiting for my control" (the
viewer's own count, accept, return, accept all), the overdue tasks (remind once a day, move the deadline) and
the tasks without a deadline (set one).

People (tests/conftest.py `org`): sales_head heads Sales and controls its sub-tree (east_head, east_rep,
field_rep); east_head controls east_rep and field_rep; the admin controls everyone.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.core.registry import registry
from portal.notifications.models import Notification, Reminder
from portal.people.models import User
from tasks.choices import TaskStatus
from tasks.models import Task, TaskComment
from tasks.selectors.control import tasks_my_control_count
from tests.tasks.factories import ChecklistItemFactory, TaskCommentFactory, TaskFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def awaiting(creator, responsible, **kwargs) -> Task:
    return TaskFactory(
        creator=creator,
        responsible=responsible,
        status=TaskStatus.AWAITING_CONTROL,
        requires_control=True,
        completed_at=timezone.now() - HOUR,
        **kwargs,
    )


def overdue(creator, responsible, *, late=2 * DAY, **kwargs) -> Task:
    return TaskFactory(
        creator=creator,
        responsible=responsible,
        status=TaskStatus.IN_PROGRESS,
        deadline=timezone.now() - late,
        **kwargs,
    )


def htmx(user) -> Client:
    """A browser's client as `user`, its requests made by htmx (forms post as forms)."""
    client = Client(**HTMX)
    client.force_login(user)
    return client


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fragment_url(name: str, person) -> str:
    return reverse(f"tasks:{name}", args=[person.pk])


# --- the column ------------------------------------------------------------------------------------------


def test_the_dashboard_counts_what_waits_for_the_viewer_and_drops_to_accept(org):
    count = registry.dashboard_counts.get("tasks_my_control")
    assert count.order == 60 and count.amber_at == 1
    assert count.url(org.east_rep.pk) == (
        f"{reverse('tasks:home')}?role=set&responsible={org.east_rep.pk}&status=awaiting_control"
    )
    assert count.detail(org.east_rep.pk) == fragment_url("control_awaiting", org.east_rep)
    columns = {c.column or c.key: c for c in registry.dashboard_counters}
    assert "tasks_awaiting_control" not in columns
    assert columns["tasks_overdue"].detail(7) == reverse("tasks:control_overdue", args=[7])
    assert columns["tasks_no_deadline"].detail(7) == reverse("tasks:control_no_deadline", args=[7])


def test_the_count_is_the_viewers_own(org, django_assert_num_queries):
    for _ in range(2):
        awaiting(org.sales_head, org.east_rep)
    awaiting(org.east_head, org.east_rep)
    awaiting(org.admin, org.field_rep)
    awaiting(org.sales_head, org.field_rep)
    TaskFactory(creator=org.sales_head, responsible=org.east_rep, status=TaskStatus.IN_PROGRESS)
    TaskFactory(creator=org.sales_head, responsible=org.east_rep, status=TaskStatus.COMPLETED)
    among = [org.east_rep.pk, org.field_rep.pk, org.sales_rep.pk]

    with django_assert_num_queries(1):
        head = dict(tasks_my_control_count(among, viewer=org.sales_head, today=None))
    assert head == {org.east_rep.pk: 2, org.field_rep.pk: 1}
    assert dict(tasks_my_control_count(among, viewer=org.east_head)) == {org.east_rep.pk: 1}
    # An admin counts the tasks they set, not those others set.
    assert dict(tasks_my_control_count(among, viewer=org.admin)) == {org.field_rep.pk: 1}
    # `among` as a subquery of ids, as the SQL ranking of a whole company passes it.
    subquery = User.objects.filter(department=org.east).values("pk")
    assert dict(tasks_my_control_count(subquery, viewer=org.sales_head)) == {org.east_rep.pk: 2}


# --- waiting for my control ------------------------------------------------------------------------------


def test_the_awaiting_fragment_lists_the_viewers_tasks_with_their_result(org):
    first = awaiting(org.sales_head, org.east_rep, title="Quarterly plan")
    TaskCommentFactory(task=first, author=org.east_rep, body="Done, see the attached plan.")
    awaiting(org.sales_head, org.east_rep, title="Price list")
    awaiting(org.east_head, org.east_rep, title="Not mine")

    response = htmx(org.sales_head).get(fragment_url("control_awaiting", org.east_rep))
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        html.startswith('<div class="control-detail')
        and f'id="control-detail-awaiting-{org.east_rep.pk}"' in html
    )
    assert "Quarterly plan" in html and "Price list" in html and "Not mine" not in html
    assert "Done, see the attached plan." in html
    assert "Accept all (2)" in html
    assert 'hx-target="closest .control-detail"' in html and 'hx-swap="outerHTML"' in html
    assert "<script" not in html and " onclick=" not in html

    full = page(org.sales_head).get(fragment_url("control_awaiting", org.east_rep)).content.decode()
    assert "Back to the dashboard" in full and reverse("reports:home") in full and "Quarterly plan" in full
    assert "<html" in full


def test_a_fragment_of_someone_the_viewer_does_not_control_is_missing(org):
    assert htmx(org.east_head).get(fragment_url("control_awaiting", org.sales_rep)).status_code == 404
    assert htmx(org.east_head).get(fragment_url("control_overdue", org.sales_head)).status_code == 404
    missing = reverse("tasks:control_no_deadline", args=[999_999])
    assert htmx(org.admin).get(missing).status_code == 404
    assert htmx(org.admin).get(fragment_url("control_overdue", org.east_rep)).status_code == 200


def test_accept_completes_the_task_and_refreshes_the_dashboard(org):
    task = awaiting(org.sales_head, org.east_rep, title="Quarterly plan")
    url = reverse("tasks:control_awaiting_decide", args=[task.pk])

    response = htmx(org.sales_head).post(url, {"action": "approve"})

    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Trigger"] == "controlChanged"
    assert 'role="status"' in html and "Accepted: Quarterly plan." in html
    assert "Nothing of this person waits for your control." in html


def test_return_needs_a_comment_and_keeps_it(org):
    task = awaiting(org.sales_head, org.east_rep)
    url = reverse("tasks:control_awaiting_decide", args=[task.pk])
    client = htmx(org.sales_head)

    refused = client.post(url, {"action": "return", "comment": "  "})
    task.refresh_from_db()
    assert refused.status_code == 200 and "HX-Trigger" not in refused
    assert "Say what is to be redone." in refused.content.decode()
    assert task.status == TaskStatus.AWAITING_CONTROL and not TaskComment.objects.filter(task=task).exists()

    done = client.post(url, {"action": "return", "comment": "Add the totals."})
    task.refresh_from_db()
    assert done["HX-Trigger"] == "controlChanged"
    assert task.status == TaskStatus.IN_PROGRESS
    assert TaskComment.objects.get(task=task).body == "Add the totals."


def test_a_checklist_rule_refuses_the_acceptance_in_place(org):
    task = awaiting(org.sales_head, org.east_rep, checklist_required=True, checklist_count=1)
    ChecklistItemFactory(task=task, is_done=False)

    response = htmx(org.sales_head).post(
        reverse("tasks:control_awaiting_decide", args=[task.pk]), {"action": "approve"}
    )

    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CONTROL
    assert "requires a complete checklist" in response.content.decode()
    assert "HX-Trigger" not in response


def test_someone_else_than_the_creator_cannot_accept(org):
    task = awaiting(org.east_head, org.east_rep)
    response = htmx(org.sales_head).post(
        reverse("tasks:control_awaiting_decide", args=[task.pk]), {"action": "approve"}
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CONTROL
    assert "Only the task&#x27;s creator accepts the work." in response.content.decode()


def test_an_unknown_decision_is_refused(org):
    task = awaiting(org.sales_head, org.east_rep)
    response = htmx(org.sales_head).post(
        reverse("tasks:control_awaiting_decide", args=[task.pk]), {"action": "delete"}
    )
    task.refresh_from_db()
    assert response.status_code == 200 and task.status == TaskStatus.AWAITING_CONTROL
    assert "HX-Trigger" not in response


def test_without_htmx_an_action_flashes_and_goes_back_to_the_dashboard(org):
    task = awaiting(org.sales_head, org.east_rep, title="Quarterly plan")
    client = page(org.sales_head)
    response = client.post(reverse("tasks:control_awaiting_decide", args=[task.pk]), {"action": "approve"})
    assert response.status_code == 302 and response["Location"] == reverse("reports:home")
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


def test_accept_all_accepts_the_tasks_shown(org):
    shown = [awaiting(org.sales_head, org.east_rep) for _ in range(3)]
    later = awaiting(org.sales_head, org.east_rep)
    other = awaiting(org.east_head, org.east_rep)
    url = fragment_url("control_awaiting_accept_all", org.east_rep)

    response = htmx(org.sales_head).post(url, {"task": [t.pk for t in shown] + [other.pk]})

    statuses = dict(Task.objects.values_list("pk", "status"))
    assert {statuses[t.pk] for t in shown} == {TaskStatus.COMPLETED}
    assert statuses[later.pk] == statuses[other.pk] == TaskStatus.AWAITING_CONTROL
    assert response["HX-Trigger"] == "controlChanged"
    assert "Accepted 3 tasks." in response.content.decode()


def test_accept_all_accepts_none_when_one_cannot_be_accepted(org):
    fine = awaiting(org.sales_head, org.east_rep, title="Fine")
    blocked = awaiting(org.sales_head, org.east_rep, title="Blocked", checklist_required=True)
    ChecklistItemFactory(task=blocked, is_done=False)
    url = fragment_url("control_awaiting_accept_all", org.east_rep)
    client = htmx(org.sales_head)

    response = client.post(url, {"task": [fine.pk, blocked.pk]})

    html = response.content.decode()
    assert "HX-Trigger" not in response and "Blocked" in html and "requires a complete checklist" in html
    assert set(Task.objects.values_list("status", flat=True)) == {TaskStatus.AWAITING_CONTROL}
    assert not Notification.objects.filter(kind="task").exists()
    # Nothing to accept (a bad list, nothing waiting): an error, nothing changed.
    assert "Choose the tasks to accept." in client.post(url, {"task": "x"}).content.decode()
    gone = client.post(url, {"task": [999_999]}).content.decode()
    assert "No task waits for your control any more." in gone


# --- overdue ---------------------------------------------------------------------------------------------


def test_the_overdue_fragment_says_how_late(org):
    overdue(org.sales_head, org.east_rep, title="Late report", late=2 * DAY + HOUR)
    TaskFactory(
        creator=org.sales_head, responsible=org.east_rep, status="in_progress", deadline=timezone.now() + DAY
    )
    awaiting(org.sales_head, org.east_rep, title="Handed in", deadline=timezone.now() - DAY)

    html = htmx(org.sales_head).get(fragment_url("control_overdue", org.east_rep)).content.decode()

    assert f'id="control-detail-overdue-{org.east_rep.pk}"' in html
    assert "Late report" in html and "2\xa0days late" in html and "Handed in" not in html
    assert "Remind about all" in html and "Move deadline" in html


def test_the_overdue_fragment_shows_only_what_the_viewer_sees(org):
    from django.contrib.auth.models import Permission

    from tests.people.factories import UserFactory

    hr = UserFactory(department=org.root)
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    overdue(org.developer, org.east_rep, title="Between the two of them")
    overdue(org.sales_head, org.east_rep, title="Set by the head")

    # HR controls everyone but sees only the tasks the visibility rule shows them.
    hr_html = htmx(hr).get(fragment_url("control_overdue", org.east_rep)).content.decode()
    assert "Between the two of them" not in hr_html and "Set by the head" not in hr_html
    # The head sees every task of the people they supervise; another creator's deadline is not theirs to move.
    html = htmx(org.sales_head).get(fragment_url("control_overdue", org.east_rep)).content.decode()
    assert "Between the two of them" in html and "Set by the head" in html
    assert html.count("Move deadline") == 1 and "creator moves its deadline." in html


def test_remind_once_a_day(org):
    task = overdue(org.sales_head, org.east_rep, title="Late report")
    url = reverse("tasks:control_overdue_remind", args=[task.pk])
    client = htmx(org.sales_head)

    first = client.post(url)
    assert first["HX-Trigger"] == "controlChanged"
    assert "is reminded of “Late report”" in first.content.decode()
    assert "Reminded today" in first.content.decode()
    notification = Notification.objects.get(recipient=org.east_rep, kind="task_reminder")
    assert "Late report" in notification.title
    assert Reminder.objects.get(recipient=org.east_rep).key == f"tasks.overdue:{task.pk}"

    again = htmx(org.east_head).post(url)  # another supervisor, the same day
    assert "already reminded" in again.content.decode()
    assert Notification.objects.filter(recipient=org.east_rep, kind="task_reminder").count() == 1


def test_remind_about_all_is_one_notification(org):
    for n in range(3):
        overdue(org.sales_head, org.east_rep, title=f"Late {n}", late=(n + 1) * DAY)
    url = fragment_url("control_overdue_remind_all", org.east_rep)
    client = htmx(org.sales_head)

    html = client.post(url).content.decode()
    assert "Reminded of all today" in html and html.count("Reminded today") == 3
    notification = Notification.objects.get(recipient=org.east_rep, kind="task_reminder")
    assert "3 overdue tasks" in notification.title and "Late 2" in notification.title
    assert "already reminded" in client.post(url).content.decode()
    # A single task after "all": already reminded of it today.
    task = Task.objects.get(title="Late 0")
    client.post(reverse("tasks:control_overdue_remind", args=[task.pk]))
    assert Notification.objects.filter(recipient=org.east_rep, kind="task_reminder").count() == 1


def test_remind_refuses_a_task_that_is_not_overdue(org):
    task = TaskFactory(creator=org.sales_head, responsible=org.east_rep, deadline=timezone.now() + DAY)
    response = htmx(org.sales_head).post(reverse("tasks:control_overdue_remind", args=[task.pk]))
    assert "This task is not overdue any more." in response.content.decode()
    assert "HX-Trigger" not in response and not Reminder.objects.exists()
    nothing = htmx(org.sales_head).post(fragment_url("control_overdue_remind_all", org.east_rep))
    assert "No task of this person is overdue." in nothing.content.decode()
    assert not Notification.objects.exists()


def test_move_the_deadline(org):
    task = overdue(org.sales_head, org.east_rep, title="Late report")
    url = reverse("tasks:control_deadline", args=[task.pk])
    client = htmx(org.sales_head)
    new = timezone.localtime(timezone.now() + 3 * DAY).replace(second=0, microsecond=0)

    response = client.post(url, {"deadline": new.strftime("%Y-%m-%dT%H:%M"), "fragment": "overdue"})

    task.refresh_from_db()
    assert task.deadline == new
    html = response.content.decode()
    assert response["HX-Trigger"] == "controlChanged" and "New deadline of “Late report”" in html
    assert f'id="control-detail-overdue-{org.east_rep.pk}"' in html
    assert "No task of this person is overdue." in html
    # The history (task_update's audit row) has it.
    from portal.core.models import AuditLog

    assert AuditLog.objects.filter(target_id=str(task.pk), action="task.update").exists()


def test_a_bad_deadline_or_a_missing_right_changes_nothing(org):
    task = overdue(org.sales_head, org.east_rep)
    before = task.deadline
    url = reverse("tasks:control_deadline", args=[task.pk])

    bad = htmx(org.sales_head).post(url, {"deadline": "someday", "fragment": "overdue"})
    empty = htmx(org.sales_head).post(url, {"deadline": "", "fragment": "overdue"})
    other = overdue(org.developer, org.east_rep)
    refused = htmx(org.sales_head).post(
        reverse("tasks:control_deadline", args=[other.pk]),
        {"deadline": (timezone.now() + DAY).strftime("%Y-%m-%dT%H:%M"), "fragment": "overdue"},
    )

    for response in (bad, empty, refused):
        assert response.status_code == 200 and "HX-Trigger" not in response
        assert 'class="alert alert-danger' in response.content.decode()
    assert "Only the task&#x27;s creator may change it." in refused.content.decode()
    task.refresh_from_db()
    other_before = other.deadline
    other.refresh_from_db()
    assert task.deadline == before and other.deadline == other_before


# --- no deadline -----------------------------------------------------------------------------------------


def test_set_a_deadline_where_there_is_none(org):
    task = TaskFactory(creator=org.sales_head, responsible=org.east_rep, title="Open-ended")
    TaskFactory(
        creator=org.sales_head, responsible=org.east_rep, deadline=timezone.now() + DAY, title="Dated"
    )
    client = htmx(org.sales_head)

    html = client.get(fragment_url("control_no_deadline", org.east_rep)).content.decode()
    assert f'id="control-detail-no-deadline-{org.east_rep.pk}"' in html
    assert "Open-ended" in html and "Dated" not in html and "Set deadline" in html

    new = timezone.localtime(timezone.now() + 2 * DAY).replace(second=0, microsecond=0)
    response = client.post(
        reverse("tasks:control_deadline", args=[task.pk]),
        {"deadline": new.strftime("%Y-%m-%dT%H:%M"), "fragment": "no_deadline"},
    )
    task.refresh_from_db()
    assert task.deadline == new
    html = response.content.decode()
    assert f'id="control-detail-no-deadline-{org.east_rep.pk}"' in html
    assert "Every task of this person has a deadline." in html


# --- query budgets ---------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["control_awaiting", "control_overdue", "control_no_deadline"])
def test_fragments_cost_the_same_for_2_and_20_tasks(org, name, django_assert_max_num_queries):
    def make(n: int) -> None:
        for _ in range(n):
            if name == "control_awaiting":
                task = awaiting(org.sales_head, org.east_rep)
                TaskCommentFactory(task=task, author=org.east_rep, body="Result")
            elif name == "control_overdue":
                overdue(org.sales_head, org.east_rep)
            else:
                TaskFactory(creator=org.sales_head, responsible=org.east_rep)

    client = htmx(org.sales_head)
    url = fragment_url(name, org.east_rep)
    client.get(url)  # warm the per-process caches
    make(2)
    few = _queries(client, url)
    make(18)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count('class="list-group-item px-0"') == 20
    assert few <= 9, few
