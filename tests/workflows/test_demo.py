"""The approvals and absences of the demo company (`manage.py seed_demo`): requests in every state and where each
waits (delegated, escalated), the vacation schedule with overlaps, the calendar, allowances, role holders, the
automation rules that fired, the hints `make run` prints, and a second run that adds nothing."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.core.demo import DEMO_DOMAIN, demo_speaking, seed_demo
from portal.notifications.models import Notification
from portal.people.models import User
from portal.workflows.choices import ProcessStatus
from portal.workflows.demo import demo_hints, plan, seed_demo_workflows
from portal.workflows.models import (
    Absence,
    AutomationRule,
    Deputy,
    Holiday,
    LeaveAllowance,
    Process,
    ProcessAction,
    ProcessRole,
    RuleRun,
    StepAssignment,
)
from portal.workflows.selectors.control import waiting_assignments

pytestmark = pytest.mark.django_db
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def person(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def _waiting_for(local: str) -> list[str]:
    return list(
        waiting_assignments()
        .filter(user=person(local))
        .values_list("step__process__requester__email", flat=True)
    )


@pytest.fixture
def seeded(demo_company, db):
    """The whole demo as `make run` seeds it (the jobs scheduled on commit run)."""
    return demo_company


def test_every_state_is_there(seeded):
    assert re.search(
        r"Workflows: \d+ holidays, \d+ allowances, \d+ absences, \d+ rules, \d+ processes", seeded
    )
    demo = Process.objects.filter(requester__email__endswith=DEMO_DOMAIN)
    assert demo.count() == len(plan.STORIES)
    assert set(demo.values_list("status", flat=True)) == set(plan.STATES) == set(ProcessStatus.values)
    assert set(demo.values_list("kind", flat=True)) == {"leave", "payment", "contract", "expense", "trip"}
    # Each finished one has its history: the decision with who made it, the reason of a refusal.
    rejected = demo.get(status="rejected")
    refusal = ProcessAction.objects.get(process=rejected, kind="reject")
    assert refusal.actor == person("events") and refusal.comment
    returned = demo.get(status="returned")
    assert ProcessAction.objects.get(process=returned, kind="return").actor == person("sales.head")
    assert ProcessAction.objects.filter(process=demo.get(status="withdrawn"), kind="withdraw").exists()
    paid = demo.filter(kind="payment", status="approved")
    assert paid.filter(paid_at__isnull=False).count() == 1 and paid.filter(paid_at=None).exists()


def test_where_the_requests_wait(seeded):
    # The head of Sales: the sales manager's leave, and Key Accounts' one while its head is away.
    at_sales_head = StepAssignment.objects.filter(
        user=person("sales.head"), decision="", active=True, step__status="active"
    )
    assert {a.reason for a in at_sales_head} == {"direct", "absent"}
    assert at_sales_head.get(reason="absent").instead_of == person("accounts.head")
    # Marketing's deputy, the financial director (over 100,000), the lawyer, the accountants.
    deputy = StepAssignment.objects.get(user=person("events"), decision="", active=True)
    assert deputy.reason == "deputy" and deputy.instead_of == person("marketing.head")
    assert _waiting_for("cfo") == [f"sales.head@{DEMO_DOMAIN}"]
    assert _waiting_for("legal") == [f"sales.manager@{DEMO_DOMAIN}"]
    assert _waiting_for("accountant") == _waiting_for("payroll") == [f"backend1@{DEMO_DOMAIN}"]
    # Past its deadline: reminded, then escalated to the CTO; the team lead can still decide.
    escalated = StepAssignment.objects.get(reason="escalated", decision="", active=True)
    assert escalated.user == person("cto") and escalated.instead_of == person("platform.lead")
    step = escalated.step
    assert step.due_at < step.reminded_at < step.escalated_at < timezone.now()
    assert _waiting_for("platform.lead") == [f"devops@{DEMO_DOMAIN}"]


def test_the_history_happened_in_order_over_days(seeded):
    demo = Process.objects.filter(requester__email__endswith=DEMO_DOMAIN)
    oldest, newest = demo.order_by("submitted_at").first(), demo.order_by("-submitted_at").first()
    assert (newest.submitted_at - oldest.submitted_at) > datetime.timedelta(days=7)
    for process in demo:
        stamps = list(
            ProcessAction.objects.filter(process=process).order_by("id").values_list("created_at", flat=True)
        )
        assert stamps == sorted(stamps), process.title
        assert stamps[0] == process.submitted_at or abs(
            stamps[0] - process.submitted_at
        ) < datetime.timedelta(seconds=5)


def test_the_vacation_schedule_and_the_calendar(seeded):
    today = timezone.localdate()
    vacations = Absence.objects.filter(type__key="vacation", user__email__endswith=DEMO_DOMAIN)
    assert vacations.filter(start__year=today.year).count() >= len(plan.VACATIONS) - 2
    # Overlaps: two people of the company away on the same days.
    overlapping = vacations.filter(
        Exists(
            Absence.objects.filter(start__lte=OuterRef("end"), end__gte=OuterRef("start")).exclude(
                user_id=OuterRef("user_id")
            )
        )
    )
    assert overlapping.count() >= 4
    # This week: two heads away, one of them with a deputy; a sick leave; an approved leave and a trip.
    away = Absence.objects.filter(start__lte=today, end__gte=today).values_list("user__email", flat=True)
    assert {f"accounts.head@{DEMO_DOMAIN}", f"marketing.head@{DEMO_DOMAIN}"} <= set(away)
    assert Deputy.objects.filter(user=person("marketing.head"), deputy=person("events")).exists()
    assert Absence.objects.filter(type__key="sick", user=person("support1")).exists()
    assert Absence.objects.filter(
        process__isnull=False, type__key="vacation", user=person("inside1")
    ).exists()
    assert Absence.objects.filter(process__isnull=False, type__key="trip", user=person("android")).exists()
    # Holidays of this year and the next, each with a moved working day; allowances for everybody.
    for year in (today.year, today.year + 1):
        assert Holiday.objects.filter(date__year=year, kind="holiday").count() >= 4
        assert Holiday.objects.filter(date__year=year, kind="workday").count() == 1
    people = User.objects.filter(email__endswith=DEMO_DOMAIN, is_active=True).count()
    assert LeaveAllowance.objects.filter(year=today.year).count() == people
    assert LeaveAllowance.objects.get(user=person("inside1"), year=today.year).carried_over == 5


def test_roles_are_held(seeded):
    holders = {
        role.key: sorted(u.email.split("@")[0] for u in role.members.all())
        for role in ProcessRole.objects.filter(key__in=plan.ROLE_HOLDERS)
    }
    assert holders == {key: sorted(value) for key, value in plan.ROLE_HOLDERS.items()}


def test_the_requests_rules_fired(seeded):
    rules = AutomationRule.objects.all()
    assert rules.count() == 4
    assert {r.trigger for r in rules} == {
        "workflows.process_finished",
        "tasks.status_changed",
        "crm.deal_stage_changed",
    }
    # (The project's and the stage's rules may fire here too: the test runs every seeder's commit callbacks at
    # the end, after the rules exist, where `make run` commits the tasks and the CRM before them.)
    fired = RuleRun.objects.filter(status="done", rule__trigger="workflows.process_finished")
    assert fired.values("rule").distinct().count() == 2
    # The accountants were told to pay the two approved payments, the office manager to plan the cover.
    to_pay = Notification.objects.filter(kind="workflows_rule", recipient=person("accountant"))
    assert to_pay.count() == 2 and all(n.title.startswith("To pay: ") for n in to_pay)
    assert Notification.objects.filter(kind="workflows_rule", recipient=person("office")).count() == 1
    # The withdrawn leave's event found its rule's condition unmet.
    assert RuleRun.objects.filter(status="skipped").exists()


def test_counters_and_hints(seeded):
    from portal.notifications.models import UserCounter

    assert UserCounter.objects.get(user=person("sales.head"), key="workflows_waiting").value == 2
    assert UserCounter.objects.get(user=person("cto"), key="workflows_waiting").value == 1
    hints = demo_hints("http://127.0.0.1:8000/")
    assert any(line.startswith(f"Approvals: sign in as sales.head@{DEMO_DOMAIN}") for line in hints)
    assert any(f"cfo@{DEMO_DOMAIN}" in line for line in hints)
    assert hints[-1].startswith("Absences: ") and "http://127.0.0.1:8000/workflows/absences/" in hints[-1]
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert f"Approvals: sign in as sales.head@{DEMO_DOMAIN}" in out.getvalue()


def test_a_second_run_adds_nothing(seeded):
    before = (
        Process.objects.count(),
        Absence.objects.count(),
        AutomationRule.objects.count(),
        Holiday.objects.count(),
        LeaveAllowance.objects.count(),
        ProcessAction.objects.count(),
    )
    out = io.StringIO()
    assert seed_demo_workflows(stdout=out) == {
        "holidays": 0,
        "allowances": 0,
        "absences": 0,
        "rules": 0,
        "processes": 0,
    }
    after = (
        Process.objects.count(),
        Absence.objects.count(),
        AutomationRule.objects.count(),
        Holiday.objects.count(),
        LeaveAllowance.objects.count(),
        ProcessAction.objects.count(),
    )
    assert after == before


def test_the_workflows_demo_in_russian(db):
    """In Russian: the requests, the calendar and the rules speak Russian, amounts in roubles."""
    from portal.people.models import Company as PortalCompany

    PortalCompany.objects.all().delete()
    seed_demo(language="ru")
    out = io.StringIO()
    with demo_speaking("ru"):
        created = seed_demo_workflows(stdout=out)
    assert created["processes"] == len(plan.STORIES)
    assert all(CYRILLIC.search(title) for title in Process.objects.values_list("title", flat=True))
    assert all(CYRILLIC.search(name) for name in Holiday.objects.values_list("name", flat=True))
    assert Holiday.objects.filter(date__month=3, date__day=8).exists()
    payments = Process.objects.filter(kind="payment")
    assert set(payments.values_list("amount_currency", flat=True)) == {"RUB"}
    names = AutomationRule.objects.values_list("name", flat=True)
    assert names and all(CYRILLIC.search(name) for name in names)
    assert set(Process.objects.values_list("status", flat=True)) == set(plan.STATES)
