"""The start page as the person's day: each registered card for a person with and without data (only what
they may see), the extension point (order, count, "nothing to do", the link to the full list, hidden cards),
the layout (what needs doing first, "Nothing due today") and the page's query budget."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.core.registry import HOME_DAY, HomeAction, HomeCard, HomeRow, registry
from portal.stream.models import Entry, EntryRead
from reports.choices import DayState, ReportStatus
from reports.models import WorkReport
from tasks.choices import TaskStatus
from tasks.models import Task
from tasks.selectors.home import end_of_today
from tests.reports.factories import WorkDayFactory, WorkReportFactory
from tests.stream.factories import post
from tests.tasks.factories import TaskFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db


def home(user) -> str:
    response = client_as(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, key: str) -> str:
    """The markup of one card (its column), or "" when the page does not show it."""
    match = re.search(
        rf'<div class="[^"]*" data-home-card="{re.escape(key)}"[^>]*>(.*?)</section>\s*</div>', html, re.S
    )
    return match.group(1) if match else ""


def count_of(section: str) -> int | None:
    match = re.search(r'data-home-count="(\d+)"', section)
    return int(match.group(1)) if match else None


def day_order(html: str) -> list[str]:
    """The keys of the cards of "my day", in the order the page shows them."""
    return re.findall(r'data-home-card="([^"]+)" data-todo', html)


# --- the cards the apps register ----------------------------------------------------------------------------


def test_the_apps_register_the_cards_of_my_day():
    day = [c.key for c in registry.home_cards if c.section == HOME_DAY]
    assert day == [
        "reports.workday",
        "tasks.due_today",
        "workflows.waiting",
        "tasks.awaiting_control",
        "reports.my_report",
        "reports.to_rate",
        "kb.to_read",
        "stream.important_unread",
        "crm.mailboxes_failing",
    ]
    # Each links to its full list.
    for key in ("reports.workday", "reports.to_rate", "reports.my_report"):
        assert registry.home_cards[key].url


def test_an_empty_day_says_so(org):
    html = home(org.developer)
    # Still to do: start the working day and send the report.
    assert "Nothing due today" not in html
    assert day_order(html)[:2] == ["reports.workday", "reports.my_report"]
    WorkDayFactory(user=org.developer)
    WorkReportFactory(
        author=org.developer, supervisor=org.it_head, status=ReportStatus.SENT, sent_at=timezone.now()
    )
    html = home(org.developer)
    assert 'id="home-nothing-due"' in html and "Nothing due today" in html
    tasks = card(html, "tasks.due_today")
    assert "No task of yours is due today." in tasks and count_of(tasks) is None
    assert "No completed task waits for your control." in card(html, "tasks.awaiting_control")
    assert "You have read every important post." in card(html, "stream.important_unread")


def test_my_tasks_due_today_and_overdue(org):
    now = timezone.now()
    today_end = end_of_today(org.east_rep, now) - datetime.timedelta(seconds=1)
    overdue = TaskFactory(
        title="Send the offer",
        creator=org.east_head,
        responsible=org.east_rep,
        deadline=now - datetime.timedelta(days=2),
    )
    due = TaskFactory(
        title="Call the client", creator=org.east_head, responsible=org.east_rep, deadline=today_end
    )
    TaskFactory(
        title="Due tomorrow",
        creator=org.east_head,
        responsible=org.east_rep,
        deadline=today_end + datetime.timedelta(hours=1),
    )
    TaskFactory(
        title="Closed already",
        creator=org.east_head,
        responsible=org.east_rep,
        deadline=now - datetime.timedelta(days=1),
        status=TaskStatus.COMPLETED,
    )
    TaskFactory(
        title="Handed in",
        creator=org.east_head,
        responsible=org.east_rep,
        deadline=now - datetime.timedelta(days=1),
        status=TaskStatus.AWAITING_CONTROL,
    )
    # Someone else's task, due today, that east_rep may not see: it never appears.
    TaskFactory(
        title="Secret server move", creator=org.it_head, responsible=org.developer, deadline=today_end
    )

    html = home(org.east_rep)
    section = card(html, "tasks.due_today")
    assert count_of(section) == 2
    assert section.index("Send the offer") < section.index("Call the client")  # the most overdue first
    assert overdue.get_absolute_url() in section and due.get_absolute_url() in section
    assert "overdue," in section and "text-danger-emphasis" in section
    for title in ("Due tomorrow", "Closed already", "Handed in", "Secret server move"):
        assert title not in html
    assert "Nothing due today" not in html
    # The link leads to the task list showing the same tasks.
    link = (
        re.search(r'href="([^"]+)" aria-label="All: My tasks due today', section)
        .group(1)
        .replace("&amp;", "&")
    )
    listed = client_as(org.east_rep).get(link).content.decode()
    assert "Send the offer" in listed and "Call the client" in listed and "Due tomorrow" not in listed

    # The developer sees their own task and nothing of east_rep's.
    html = home(org.developer)
    assert "Secret server move" in card(html, "tasks.due_today") and "Send the offer" not in html


def test_tasks_awaiting_my_control(org):
    waiting = TaskFactory(
        title="Price list checked",
        creator=org.east_head,
        responsible=org.east_rep,
        status=TaskStatus.AWAITING_CONTROL,
        completed_at=timezone.now(),
    )
    TaskFactory(
        title="Not finished", creator=org.east_head, responsible=org.east_rep, status=TaskStatus.IN_PROGRESS
    )
    # Awaiting someone else's control: east_head sees the task (it is in their sub-tree), but it is not theirs.
    TaskFactory(
        title="Field visit done",
        creator=org.field_rep,
        responsible=org.field_rep,
        status=TaskStatus.AWAITING_CONTROL,
    )

    section = card(home(org.east_head), "tasks.awaiting_control")
    assert (
        count_of(section) == 1 and "Price list checked" in section and waiting.get_absolute_url() in section
    )
    assert org.east_rep.last_name in section  # who completed it
    assert "Not finished" not in section and "Field visit done" not in section
    assert "No completed task waits" in card(home(org.east_rep), "tasks.awaiting_control")


def test_the_lines_are_limited_and_the_rest_is_behind_the_link(org):
    # The end of the person's today (now + a few minutes is tomorrow when the suite runs near midnight).
    end = end_of_today(org.east_rep, timezone.now()) - datetime.timedelta(seconds=1)
    Task.objects.bulk_create(
        [
            Task(title=f"Quick {i}", creator=org.east_head, responsible=org.east_rep, deadline=end)
            for i in range(8)
        ]
    )
    section = card(home(org.east_rep), "tasks.due_today")
    assert count_of(section) == 8
    assert section.count("list-group-item d-flex") == 5
    assert "and 3 more" in section


def test_my_working_day_card_shows_the_state_and_the_next_click(org):
    client = client_as(org.east_rep)
    section = card(home(org.east_rep), "reports.workday")
    assert "You have not started your working day yet." in section
    start = reverse("reports:workday_action", args=["start"])
    assert f'action="{start}"' in section

    response = client.post(start, {"next": reverse("home")}, format="multipart")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    html = client.get(reverse("home")).content.decode()
    section = card(html, "reports.workday")
    assert "Working since" in section
    assert reverse("reports:workday_action", args=["pause"]) in section
    assert reverse("reports:workday_action", args=["end"]) in section

    client.post(
        reverse("reports:workday_action", args=["pause"]), {"next": reverse("home")}, format="multipart"
    )
    section = card(client.get(reverse("home")).content.decode(), "reports.workday")
    assert "On a break since" in section and reverse("reports:workday_action", args=["resume"]) in section

    client.post(
        reverse("reports:workday_action", args=["end"]), {"next": reverse("home")}, format="multipart"
    )
    section = card(client.get(reverse("home")).content.decode(), "reports.workday")
    assert "Finished at" in section and "<form" not in section


def test_reports_to_rate_for_a_head_only_of_their_people(org):
    now = timezone.now()
    mine = WorkReportFactory(
        author=org.east_rep, supervisor=org.east_head, status=ReportStatus.SENT, sent_at=now
    )
    WorkReportFactory(author=org.developer, supervisor=org.it_head, status=ReportStatus.SENT, sent_at=now)
    WorkReportFactory(author=org.field_rep, supervisor=org.east_head, status=ReportStatus.DRAFT)

    html = home(org.east_head)
    section = card(html, "reports.to_rate")
    assert count_of(section) == 1 and org.east_rep.last_name in section
    assert reverse("reports:report_detail", args=[mine.pk]) in section
    assert org.developer.last_name not in section and org.field_rep.last_name not in section
    assert reverse("reports:to_rate") in section
    assert 'data-home-card="reports.my_report"' not in html  # a head rates; the card is not theirs

    assert 'data-home-card="reports.to_rate"' not in home(org.east_rep)  # rates nothing: no card
    section = card(home(org.it_head), "reports.to_rate")
    assert org.developer.last_name in section and org.east_rep.last_name not in section


def test_my_report_to_send_today(org):
    client = client_as(org.east_rep)
    section = card(home(org.east_rep), "reports.my_report")
    assert "Not written yet" in section and reverse("reports:report_write") in section

    report = WorkReportFactory(author=org.east_rep, supervisor=org.east_head, status=ReportStatus.DRAFT)
    assert "A draft is saved but not sent" in card(home(org.east_rep), "reports.my_report")

    WorkReport.objects.filter(pk=report.pk).update(status=ReportStatus.SENT, sent_at=timezone.now())
    html = client.get(reverse("home")).content.decode()
    section = card(html, "reports.my_report")
    assert "waiting for the rating" in section
    assert reverse("reports:report_detail", args=[report.pk]) in section

    WorkReport.objects.filter(pk=report.pk).update(status=ReportStatus.RETURNED)
    assert "Returned for changes" in card(home(org.east_rep), "reports.my_report")


def test_unread_important_posts_only_those_i_may_see(org):
    seen = post(
        org.ceo, "Office closed on Friday\nThe heating is repaired.", everyone=True, is_important=True
    )
    post(org.it_head, "IT only: new VPN keys", departments=[org.it], is_important=True)
    post(org.ceo, "Just a normal post", everyone=True)

    section = card(home(org.east_rep), "stream.important_unread")
    assert count_of(section) == 1 and "Office closed on Friday" in section
    assert "The heating" not in section  # the first line is the title
    assert seen.get_absolute_url() in section
    assert "new VPN keys" not in section and "Just a normal post" not in section
    assert "show=important" in section

    assert count_of(card(home(org.developer), "stream.important_unread")) == 2  # IT sees both

    EntryRead.objects.create(entry=seen, user=org.east_rep)
    assert "You have read every important post." in card(home(org.east_rep), "stream.important_unread")


# --- the extension point and the layout ---------------------------------------------------------------------


def test_a_registered_card_gets_the_frame_count_link_and_empty_state(org):
    busy = HomeCard(
        "probe.busy",
        "",
        lambda request: {
            "count": 7,
            "rows": [HomeRow("First <b>thing</b>", "/first/", meta="today", tone="danger")],
            "actions": [HomeAction("Do it", "/do/", "post", "success")],
        },
        order=99,
        section=HOME_DAY,
        title="Probe things",
        icon="bi-star",
        url="groups:list",
    )
    idle = HomeCard(
        "probe.idle",
        "",
        lambda request: {"count": 0},
        order=1,
        section=HOME_DAY,
        title="Idle probe",
        empty="Nothing for the probe.",
    )
    hidden = HomeCard(
        "probe.hidden", "", lambda request: None, order=1, section=HOME_DAY, title="Hidden probe"
    )
    with registry.home_cards.override(busy, idle, hidden):
        html = home(org.developer)
    section = card(html, "probe.busy")
    assert "Probe things" in section and 'data-home-count="7"' in section
    assert "First &lt;b&gt;thing&lt;/b&gt;" in section and 'href="/first/"' in section
    assert "and 6 more" in section
    assert f'href="{reverse("groups:list")}"' in section
    assert (
        'action="/do/"' in section
        and 'name="csrfmiddlewaretoken"' in section
        and 'name="next" value="/"' in section
    )
    assert "Nothing for the probe." in card(html, "probe.idle")
    assert "Hidden probe" not in html
    # Something to do first, each group in its order: the probe (order 99) before the cards with nothing to do,
    # even the idle probe (order 1).
    order = day_order(html)
    assert order[:3] == ["reports.workday", "reports.my_report", "probe.busy"]
    assert set(order[3:]) == {
        "probe.idle",
        "tasks.due_today",
        "workflows.waiting",
        "tasks.awaiting_control",
        "stream.important_unread",
    }
    assert order[3] == "probe.idle"
    assert "Nothing due today" not in html


def test_a_card_section_must_be_known():
    with pytest.raises(ValueError):
        HomeCard("probe.bad", "", lambda request: {}, section="sidebar")


def test_the_greeting_heads_the_page_and_the_company_follows_the_day(org):
    html = home(org.east_rep)
    assert html.index('data-home-card="people.me"') < html.index('id="home-day"')
    assert html.index('id="home-day"') < html.index('data-home-card="groups.mine"')
    assert html.index('id="home-day"') < html.index('data-home-card="people.birthdays"')


def test_a_started_day_with_work_puts_the_work_first(org):
    WorkDayFactory(user=org.east_rep, state=DayState.OPEN)
    TaskFactory(
        title="Overdue thing",
        creator=org.east_head,
        responsible=org.east_rep,
        deadline=timezone.now() - datetime.timedelta(hours=3),
    )
    order = day_order(home(org.east_rep))
    assert order[:2] == ["tasks.due_today", "reports.my_report"]
    assert order.index("reports.workday") < order.index("tasks.awaiting_control")  # it shows a state


# --- the query budget ---------------------------------------------------------------------------------------


def _lay(org, count: int) -> None:
    now = timezone.now()
    Task.objects.bulk_create(
        [
            Task(
                title=f"Due {count}-{i}",
                creator=org.east_head,
                responsible=org.east_head if i % 2 else org.east_rep,
                status=TaskStatus.AWAITING_CONTROL if i % 3 == 0 else TaskStatus.NEW,
                deadline=now - datetime.timedelta(hours=i % 30),
                completed_at=now,
            )
            for i in range(count)
        ]
    )
    Entry.objects.bulk_create(
        [
            Entry(author=org.ceo, body=f"Important {count}-{i}", audience_everyone=True, is_important=True)
            for i in range(count)
        ]
    )
    people = [org.east_rep, org.field_rep]
    WorkReport.objects.bulk_create(
        [
            WorkReport(
                author=people[i % 2],
                supervisor=org.east_head,
                status=ReportStatus.SENT,
                sent_at=now,
                period="day",
                period_start=timezone.localdate() - datetime.timedelta(days=i + count),
                period_end=timezone.localdate() - datetime.timedelta(days=i + count),
            )
            for i in range(count)
        ]
    )


@pytest.mark.parametrize("who", ["east_rep", "east_head"])
def test_the_start_page_costs_the_same_with_10_or_100_of_everything(org, who):
    person = getattr(org, who)
    WorkDayFactory(user=person)
    _lay(org, 10)
    client = client_as(person)

    def load():
        html = client.get(reverse("home")).content.decode()
        assert "Due " in html and "Important " in html

    load()  # the per-day lists and the company are cached after the first page of the day
    # The session, the person and their department, the navigation's counters, groups and newcomers (the
    # birthdays and the company are cached); then each card of the day: the working day, the tasks due, the tasks
    # awaiting control, the permissions (whether I rate reports), my report's rules and my report (or the
    # reports to rate), the departments above me, the important posts and the approvals waiting for me.
    assert_query_budget(load, lambda: _lay(org, 100), budget=18)
