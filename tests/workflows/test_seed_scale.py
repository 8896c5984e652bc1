"""`manage.py seed_scale_workflows` (and `seed_scale --workflows-…`): approvals and absences at scale for the
benchmark, in bulk, shaped as the engine leaves them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Exists, OuterRef

from portal.notifications.models import UserCounter
from portal.people.models import Company as PortalCompany
from portal.people.models import Department, User
from portal.people.selectors import supervisor_of
from portal.workflows.management.commands import seed_scale_workflows
from portal.workflows.models import (
    Absence,
    LeaveAllowance,
    Process,
    ProcessAction,
    ProcessRole,
    ProcessStep,
    StepAssignment,
)
from portal.workflows.registrations.processes import waiting_by_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db, monkeypatch):
    """A small seeded company without approvals; chunks small enough that each kind takes several."""
    PortalCompany.objects.all().delete()
    monkeypatch.setattr(seed_scale_workflows, "CHUNK", 150)
    call_command(
        "seed_scale",
        *("--employees", "40", "--groups", "6", "--entries", "0", "--tasks", "0", "--crm-scale", "0"),
        *("--workflows-scale", "0"),
        verbosity=0,
    )


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_scale_workflows", *args, stdout=out)
    return out.getvalue()


def test_the_proportions_of_the_issue(company):
    assert not Process.objects.exists()
    employees = User.objects.filter(is_active=True, is_staff=False).count()
    output = seed("--scale", "0.5")
    total = round(20 * User.objects.filter(is_staff=False).count() * 0.5)
    assert f"Seeded workflows: {total} processes" in output
    assert Process.objects.count() == total
    # 5,000 people make the issue's 100,000 processes.
    assert round(seed_scale_workflows.PER_EMPLOYEE * 5000) == 100_000

    # A year of absences for everybody, never two of one person at once; an allowance each.
    assert Absence.objects.values("user").distinct().count() == employees
    assert LeaveAllowance.objects.count() == employees
    clash = Absence.objects.filter(
        user_id=OuterRef("user_id"), start__lte=OuterRef("end"), end__gte=OuterRef("start")
    ).exclude(pk=OuterRef("pk"))
    assert not Absence.objects.filter(Exists(clash)).exists()
    assert Absence.objects.filter(type__key="vacation").count() >= 2 * employees


def test_processes_follow_their_routes(company):
    seed("--processes", "600")
    statuses = dict(Process.objects.values("status").annotate(n=Count("id")).values_list("status", "n"))
    assert set(statuses) >= {"running", "approved", "rejected", "returned", "withdrawn"}
    kinds = set(Process.objects.values_list("kind", flat=True))
    assert kinds == {"leave", "payment", "expense", "trip", "contract"}

    # A running process waits on its active (current) step; a finished one has none.
    running = Process.objects.filter(status="running")
    assert not running.filter(current_step=None).exists()
    assert not running.exclude(current_step__status="active").exists()
    assert not Process.objects.exclude(status="running").exclude(current_step=None).exists()
    assert not Process.objects.filter(
        status__in=["approved", "rejected", "withdrawn"], finished_at=None
    ).exists()
    # Every process has its start in the history, decisions by someone assigned.
    assert ProcessAction.objects.filter(kind="start").count() == 600
    decided = StepAssignment.objects.filter(decision__in=["approve", "reject", "return"])
    assert decided.exists() and not decided.filter(decided_at=None).exists()
    # The first step goes to the requester's supervisor, as the engine resolves it.
    sample = StepAssignment.objects.filter(step__index=0, reason="direct").select_related("step__process")[
        :30
    ]
    for assignment in sample:
        requester = assignment.step.process.requester
        assert assignment.user_id == supervisor_of(requester).pk
    # Payments over 100,000 go through the financial director; smaller ones skip the step.
    big = Process.objects.filter(kind="payment", amount__gt=100_000, status="approved")
    small = Process.objects.filter(kind="payment", amount__lte=100_000, status="approved")
    cfo = ProcessStep.objects.filter(key="cfo")
    if big.exists():
        assert not cfo.filter(process__in=big).exclude(status="approved").exists()
    assert not cfo.filter(process__in=small).exclude(status="skipped").exists()
    # The role holders come from the company; some approved payments are paid.
    assert ProcessRole.objects.get(key="accountant").members.count() == 3
    assert ProcessRole.objects.get(key="cfo").members.count() == 1
    assert Process.objects.filter(kind="payment", paid_at__isnull=False).exists()


def test_waiting_for_me_is_realistic_and_counted(company):
    seed("--processes", "800")
    waiting = waiting_by_user(list(User.objects.values_list("pk", flat=True)))
    heads = set(Department.objects.exclude(head=None).values_list("head_id", flat=True))
    assert waiting and heads & set(waiting)
    # Late steps were reminded, the later ones escalated one level up (the approver can still act).
    assert ProcessStep.objects.filter(status="active", reminded_at__isnull=False).exists()
    escalated = StepAssignment.objects.filter(reason="escalated", active=True)
    if escalated.exists():
        one = escalated.select_related("instead_of").first()
        assert one.user_id == supervisor_of(one.instead_of).pk
    stored = dict(
        UserCounter.objects.filter(key="workflows_waiting", value__gt=0).values_list("user_id", "value")
    )
    assert stored == waiting


def test_the_bench_line_names_the_leave_form_and_a_department(company):
    output = seed("--processes", "50")
    facts = seed_scale_workflows.bench_facts()
    assert seed_scale_workflows.bench_line(**facts) in output
    assert facts["leave_template"] and facts["vacation_type"] and facts["department"]
    assert facts["people"] > 0


def test_a_second_run_with_the_same_numbers_changes_nothing(company):
    seed("--processes", "120")
    first = list(Process.objects.order_by("pk").values_list("pk", "title")[:20])
    assert "Already seeded" in seed("--processes", "120")
    assert list(Process.objects.order_by("pk").values_list("pk", "title")[:20]) == first
    seed("--processes", "120", "--reset")
    assert Process.objects.count() == 120


def test_seed_scale_runs_the_workflows_step(db):
    PortalCompany.objects.all().delete()
    args = ("--employees", "20", "--groups", "6", "--entries", "0", "--tasks", "0", "--crm-scale", "0")
    out = io.StringIO()
    call_command("seed_scale", *args, "--workflows-scale", "0.5", stdout=out)
    employees = User.objects.filter(is_staff=False).count()
    assert f"Seeded workflows: {round(20 * employees * 0.5)} processes" in out.getvalue()
    again = io.StringIO()
    call_command("seed_scale", *args, "--workflows-scale", "0.5", stdout=again)
    assert "Already seeded: " in again.getvalue() and "Workflows bench:" in again.getvalue()


def test_refuses_a_real_company(db):
    User.objects.create(email="someone@example.com")
    with pytest.raises(CommandError, match="did not create"):
        seed("--processes", "10")


def _scenario_queries(facts: dict) -> tuple[int, int, int]:
    """The queries of the benchmark's three workflows requests (bench/locustfile.py), each made once before to
    warm what a long-running server keeps (its URL and template caches)."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.utils import client_as

    head = client_as(User.objects.get(email="person4@scale.lumen"))
    member = client_as(User.objects.get(email="person30@scale.lumen"))
    month = timezone.localdate().strftime("%Y-%m")
    chart = f"/workflows/absences/?department={facts['department']}&month={month}"
    start = timezone.localdate() + datetime.timedelta(days=40)

    def leave(days: int):
        return member.post(
            f"/workflows/start/{facts['leave_template']}/",
            {
                "absence_type": facts["vacation_type"],
                "period_0": (start + datetime.timedelta(days=days)).isoformat(),
                "period_1": (start + datetime.timedelta(days=days + 2)).isoformat(),
                "comment": "Bench leave",
            },
            format="multipart",  # as the browser's form posts it
        )

    counts = []
    for make in (
        lambda n: head.get("/workflows/processes/?scope=waiting"),
        lambda n: member.get(chart),
        lambda n: leave(n),
    ):
        assert make(0).status_code in (200, 302)
        with CaptureQueriesContext(connection) as captured:
            response = make(10)
        assert response.status_code in (200, 302), response.status_code
        counts.append(len(captured))
    return tuple(counts)


def test_the_bench_scenarios_cost_the_same_whatever_the_data(company):
    """ "Waiting for me", the absence chart and starting a leave request: the same number of queries with a
    few requests as with many."""
    seed("--processes", "100")
    few = _scenario_queries(seed_scale_workflows.bench_facts())
    seed("--processes", "1500", "--reset")
    facts = seed_scale_workflows.bench_facts()
    assert waiting_by_user([User.objects.get(email="person4@scale.lumen").pk])
    assert _scenario_queries(facts) == few
