"""The benchmark's instruments: the query-counting middleware and the floor view."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from django.db import connection
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from bench import run
from portal.core.bench import FLOOR_ROWS, QUERY_COUNT_HEADER, QueryCountMiddleware, floor
from tests.people.factories import UserFactory


def test_middleware_reports_the_queries_of_the_request(db):
    def view(request):
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT 1")
        return HttpResponse("ok")

    response = QueryCountMiddleware(view)(RequestFactory().get("/"))

    assert response[QUERY_COUNT_HEADER] == "3"


def test_floor_returns_the_first_directory_page_in_one_query(org, django_assert_num_queries):
    UserFactory.create_batch(FLOOR_ROWS, department=org.it)
    UserFactory(last_name="Aaronson", is_active=False)

    with django_assert_num_queries(1):
        response = floor(RequestFactory().get("/bench/floor/", REMOTE_ADDR="127.0.0.1"))

    rows = json.loads(response.content)["results"]
    assert len(rows) == FLOOR_ROWS
    assert set(rows[0]) == {"id", "first_name", "last_name", "position", "department__name"}
    assert "Aaronson" not in {row["last_name"] for row in rows}
    assert [r["last_name"] for r in rows] == sorted(r["last_name"] for r in rows)


def test_floor_answers_loopback_only(db):
    with pytest.raises(Http404):
        floor(RequestFactory().get("/bench/floor/", REMOTE_ADDR="203.0.113.9"))


# --- bench/run.py: the digest stage ------------------------------------------------------------------------


def digest_figures(**changes) -> dict:
    """What `manage.py bench_digests --json` prints (its keys, made-up values)."""
    figures = {
        "now": "2026-01-14T12:00:00+00:00",
        "seeded": {
            "employees": 5000,
            "supervisors": 500,
            "departments": 500,
            "tasks": 50000,
            "personal": 480,
        },
        "seed_seconds": 21.4,
        "due": 980,
        "due_queries": 5,
        "due_seconds": 0.042,
        "built": 980,
        "seconds": 23.46,
        "cpu_seconds": 15.1,
        "sql_seconds": 7.9,
        "queries": 12345,
        "supervisor": {
            "count": 500,
            "queries_min": 14,
            "queries_max": 14,
            "queries_mean": 14,
            "ms_mean": 30.5,
            "ms_max": 310.2,
            "largest_people": 5000,
        },
        "personal": {
            "count": 480,
            "queries_min": 9,
            "queries_max": 9,
            "queries_mean": 9,
            "ms_mean": 4.0,
            "ms_max": 7.5,
            "largest_people": 1,
        },
        "database": "postgresql",
    }
    for key, value in changes.items():
        if isinstance(value, dict):
            figures[key] = {**figures[key], **value}
        else:
            figures[key] = value
    return figures


def test_digest_stage_runs_by_default_with_issue_5s_company():
    args = run.parse_args([])

    assert not args.no_digests
    assert (args.digest_employees, args.digest_supervisors) == (5000, 500)


def test_digest_stage_runs_when_scenarios_are_named_and_is_skipped_only_on_request():
    named = run.parse_args(
        ["--scenarios", "login_page", "--digest-employees", "1000", "--digest-supervisors", "100"]
    )
    skipped = run.parse_args(["--scenarios", "login_page", "--no-digests"])

    assert named.scenario_list == ["login_page", "floor"]
    assert not named.no_digests
    assert (named.digest_employees, named.digest_supervisors) == (1000, 100)
    assert skipped.no_digests


@pytest.mark.parametrize(
    "argv",
    [
        ["--digest-supervisors", "1", "--digest-employees", "100"],
        ["--digest-supervisors", "100", "--digest-employees", "199"],
        ["--database", "x" * 60],
    ],
)
def test_digest_options_that_bench_digests_would_refuse_fail_before_the_run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run.parse_args(argv)

    assert exit_info.value.code == 2
    assert "--d" in capsys.readouterr().err


def test_no_digests_accepts_any_digest_numbers():
    assert run.parse_args(["--no-digests", "--digest-supervisors", "1"]).no_digests


def test_the_digest_database_sits_next_to_the_bench_database_on_the_same_server():
    name = run.digests_database_name("lumen_bench_h")
    url = run.bench_database_url("postgres://postgres:secret@db.local:5433/postgres?sslmode=disable", name)

    assert name == "lumen_bench_h_digests"
    assert url == "postgres://postgres:secret@db.local:5433/lumen_bench_h_digests?sslmode=disable"


def test_digest_json_is_found_among_other_output():
    figures = digest_figures()
    stdout = "Operations to perform: nothing\n" + json.dumps(figures, sort_keys=True) + "\n\n"

    assert run.parse_digest_output(stdout) == figures


def test_digest_output_without_figures_is_an_error():
    with pytest.raises(ValueError):
        run.parse_digest_output('Built 3 digests\n{"not": "the figures"}\n{broken\n')


def test_digest_goals_hold_for_a_fast_constant_sweep():
    goals = run.digest_goals(digest_figures())

    assert [g["ok"] for g in goals] == [True, True, True]
    assert [g["value"] for g in goals] == ["23.5 s", "supervisor 14, personal 9", "980 of 980"]


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({"seconds": 60.0}, ["worker time under 60 s"]),
        ({"seconds": 75.2}, ["worker time under 60 s"]),
        (
            {"supervisor": {"queries_max": 15}},
            ["the same number of queries for every control digest, whatever the team's size"],
        ),
        ({"built": 979}, ["every due digest built"]),
        (
            {"built": 0, "due": 0, "supervisor": {"count": 0}, "personal": {"count": 0}},
            [
                "the same number of queries for every control digest, whatever the team's size",
                "every due digest built",
            ],
        ),
    ],
    ids=["at-the-limit", "slow", "control-grows", "one-failed", "nothing-built"],
)
def test_digest_goals_fail(changes, failed):
    goals = run.digest_goals(digest_figures(**changes))

    assert [g["goal"] for g in goals if not g["ok"]] == failed


def test_a_personal_digest_one_query_lighter_is_shown_but_not_judged():
    # A personal digest covers one person; one with no report to look up skips that query.
    goals = run.digest_goals(digest_figures(personal={"queries_min": 8}))

    assert goals[1]["ok"] is True
    assert goals[1]["value"] == "supervisor 14, personal 8 to 9"


def test_growing_queries_are_shown_as_a_range():
    goals = run.digest_goals(digest_figures(supervisor={"queries_max": 40}, personal={"count": 0}))

    assert goals[1]["value"] == "supervisor 14 to 40"


def test_digest_markdown_shows_each_kind_the_worker_time_and_the_goals():
    stage = {"database": "lumen_bench_digests", "recreated": False, "figures": digest_figures()}
    stage["goals"] = run.digest_goals(stage["figures"])

    text = run.digest_markdown(stage)

    assert "on lumen_bench_digests: 5000 employees, 500 supervisors" in text
    assert "| supervisor | 500 | 14 | 14 | 30.5 | 310.2 | 5000 |" in text
    assert "| personal | 480 | 9 | 9 | 4.0 | 7.5 | 1 |" in text
    assert "980 digests built in 23.5 s of worker time" in text
    assert "- worker time under 60 s: **met** (23.5 s)" in text
    assert "- every due digest built: **met** (980 of 980)" in text
    assert "NOT MET" not in text


def test_digest_markdown_marks_a_missed_goal_and_a_failed_stage():
    figures = digest_figures(seconds=61.0)
    failed = {"database": "d", "figures": figures, "goals": run.digest_goals(figures)}
    broken = {"database": "d", "error": "manage.py bench_digests failed:\nboom"}

    assert "- worker time under 60 s: **NOT MET** (61.0 s)" in run.digest_markdown(failed)
    assert "Not measured (d): manage.py bench_digests failed:\nboom" in run.digest_markdown(broken)
    assert run.digest_markdown(None) == ""


class FakeDatabases:
    """Stands in for the PostgreSQL server and manage.py in run_digests."""

    def __init__(self, monkeypatch, *, people: int, bench_stdout: str, bench_code: int = 0):
        self.calls: list[tuple] = []
        self.people = people
        monkeypatch.setattr(run, "ensure_database", lambda url, name: self.calls.append(("ensure", name)))
        monkeypatch.setattr(run, "drop_database", self.drop)
        monkeypatch.setattr(run, "people_in_database", lambda url: self.people)

        def manage_run(env, *args):
            self.calls.append(("manage", env["DATABASE_URL"], *args))
            stdout = bench_stdout if args[0] == "bench_digests" else ""
            code = bench_code if args[0] == "bench_digests" else 0
            return subprocess.CompletedProcess(args, code, stdout, "refused" if code else "")

        monkeypatch.setattr(run, "manage_run", manage_run)

    def drop(self, url, name):
        self.calls.append(("drop", name))
        self.people = 0


def test_digest_stage_migrates_its_own_database_and_runs_bench_digests(monkeypatch):
    fake = FakeDatabases(monkeypatch, people=0, bench_stdout=json.dumps(digest_figures()) + "\n")
    args = run.parse_args(["--database", "lb", "--digest-employees", "1000", "--digest-supervisors", "100"])

    stage = run.run_digests(args, "postgres://u@h:5432/postgres", "redis://h:6379/0")

    url = "postgres://u@h:5432/lb_digests"
    assert fake.calls == [
        ("ensure", "lb_digests"),
        ("manage", url, "migrate", "--noinput"),
        ("manage", url, "bench_digests", "--json", "--employees", "1000", "--supervisors", "100"),
    ]
    assert stage["ok"] is True
    assert stage["recreated"] is False
    assert stage["figures"]["built"] == 980
    assert (stage["database"], stage["employees"], stage["supervisors"]) == ("lb_digests", 1000, 100)


def test_digest_stage_recreates_a_database_with_leftover_people(monkeypatch, capsys):
    fake = FakeDatabases(monkeypatch, people=42, bench_stdout=json.dumps(digest_figures()))
    args = run.parse_args(["--database", "lb"])

    stage = run.run_digests(args, "postgres://u@h:5432/postgres", "redis://h:6379/0")

    assert [c[:2] for c in fake.calls[:3]] == [
        ("ensure", "lb_digests"),
        ("drop", "lb_digests"),
        ("ensure", "lb_digests"),
    ]
    assert (
        "lb_digests holds 42 people from another run: dropping and recreating it" in capsys.readouterr().out
    )
    assert stage["recreated"] is True and stage["ok"] is True


def test_digest_stage_reports_a_failing_command_instead_of_exiting(monkeypatch):
    FakeDatabases(monkeypatch, people=0, bench_stdout="", bench_code=1)

    stage = run.run_digests(run.parse_args([]), "postgres://u@h:5432/postgres", "redis://h:6379/0")

    assert "ok" not in stage
    assert stage["error"].startswith("manage.py bench_digests failed:")
    assert "refused" in stage["error"]


def test_the_digests_database_is_never_the_one_database_url_names(monkeypatch):
    with pytest.raises(RuntimeError):
        run.drop_database("postgres://u@h:5432/lumen_bench_digests", "lumen_bench_digests")


def measured_stage(**changes) -> dict:
    figures = digest_figures(**changes)
    goals = run.digest_goals(figures)
    return {
        "database": "lumen_bench_digests",
        "figures": figures,
        "goals": goals,
        "ok": all(g["ok"] for g in goals),
    }


@pytest.mark.parametrize(
    ("digests", "code"),
    [
        (None, 0),
        (measured_stage(), 0),
        (measured_stage(seconds=90.0), 1),
        ({"database": "lumen_bench_digests", "error": "manage.py bench_digests failed:\nboom"}, 1),
    ],
    ids=["skipped", "goals-met", "too-slow", "failed"],
)
def test_the_exit_status_follows_the_digest_goals(monkeypatch, tmp_path, digests, code):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h:5432/postgres")
    monkeypatch.setenv("REDIS_URL", "redis://h:6379/0")
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.setattr(run, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(run, "ensure_database", lambda url, name: None)
    settled = []
    monkeypatch.setattr(run, "settle_database", lambda url: settled.append(url) or 1.5)
    monkeypatch.setattr(run, "manage", lambda env, *args: "")
    monkeypatch.setattr(run, "start_server", lambda *a: None)
    monkeypatch.setattr(run, "stop_server", lambda server: None)
    monkeypatch.setattr(run, "git_commit", lambda: "abc1234")
    row = run.summarise(
        "floor", {"latencies_ms": [1.0, 2.0], "window": [0.0, 1.0], "failures": {}, "queries": [1]}
    )
    monkeypatch.setattr(run, "run_scenario", lambda name, args, port, log: row)
    ran = []

    def run_digests(args, database_url, redis_url):
        ran.append(args.database)
        return digests

    monkeypatch.setattr(run, "run_digests", run_digests)
    argv = ["--scenarios", "floor", "--port", "1"] + (["--no-digests"] if digests is None else [])

    assert run.main(argv) == code

    assert ran == ([] if digests is None else ["lumen_bench"])
    # The seeded database is settled (VACUUM) before the server starts, and the report says how long it took.
    assert settled == ["postgres://u@h:5432/lumen_bench"]
    (report,) = (tmp_path / "results").glob("*.json")
    assert json.loads(report.read_text())["digests"] == digests
    assert json.loads(report.read_text())["seed"]["vacuum_seconds"] == 1.5
    (markdown,) = (tmp_path / "results").glob("*.md")
    assert ("### Control digests" in markdown.read_text()) is (digests is not None)


def _row(scenario, **figures):
    base = {"scenario": scenario, "p50_ms": None, "p95_ms": None, "kb_per_response": None}
    return {**base, **figures}


def test_every_scenario_but_the_floor_has_goals():
    assert set(run.GOALS) == set(run.SCENARIOS) - {"floor"}


def test_scenario_goals_against_the_floor_and_absolute_ceilings():
    floor = _row("floor", p50_ms=10.0, p95_ms=20.0)
    page = run.scenario_goals(_row("tasks_list", p50_ms=39.0, p95_ms=90.0), floor)
    assert [(c["goal"], round(c["value"], 1), c["met"]) for c in page] == [("p50 ≤ 4× the floor", 3.9, True)]
    api = run.scenario_goals(_row("task_list_api", p50_ms=25.0), floor)
    assert api[0]["met"] is False and api[0]["value"] == 2.5
    feed = run.scenario_goals(_row("feed_page", p50_ms=30.0, p95_ms=70.0), floor)
    assert [c["met"] for c in feed] == [True, False]  # p95 3.5× the floor's p95
    company = run.scenario_goals(_row("control_company", p95_ms=250.0, kb_per_response=420.0), floor)
    assert [(c["goal"], c["met"]) for c in company] == [
        ("p95 ≤ 300 ms", True),
        ("≤ 300 KB per answer", False),
    ]
    # Without a floor (or without samples) a ratio is not measurable, never met by default.
    assert run.scenario_goals(_row("tasks_list", p50_ms=10.0), None)[0]["met"] is None


def test_the_rule_s_cost_is_measured_against_the_admin_s_same_list():
    floor = _row("floor", p50_ms=10.0)
    admin = _row("task_list_all_admin", p50_ms=16.0)
    checks = run.scenario_goals(_row("task_list_all", p50_ms=24.0), floor, [floor, admin])
    assert [(c["goal"], round(c["value"], 2), c["met"]) for c in checks] == [
        ("p50 ≤ 2× the floor", 2.4, False),
        ("p50 ≤ 1.3× task_list_all_admin's", 1.5, False),
    ]
    checks = run.scenario_goals(_row("task_list_all", p50_ms=18.0), floor, [floor, admin])
    assert [c["met"] for c in checks] == [True, True]
    # The admin's scenario not run: not measured.
    assert run.scenario_goals(_row("task_list_all", p50_ms=18.0), floor, [floor])[1]["met"] is None


def test_latency_goals_of_one_person_s_pages_run_with_few_users():
    args = run.parse_args(["--users", "10"])
    assert run.scenario_users("tasks_list", args) == 10
    assert run.scenario_users("control_company", args) == 2
    assert run.scenario_users("control_company", run.parse_args(["--users", "1"])) == 1


def test_goals_markdown_marks_each_goal():
    rows = [
        {"scenario": "tasks_list", "goals": [{"goal": "p50 ≤ 4× the floor", "value": 5.2, "met": False}]},
        {"scenario": "search_page", "goals": [{"goal": "p95 ≤ 100 ms", "value": 40.0, "met": True}]},
        {"scenario": "floor", "goals": []},
    ]
    text = run.goals_markdown(rows)
    assert "| tasks_list | p50 ≤ 4× the floor | 5.2 | **NOT MET** |" in text
    assert "| search_page | p95 ≤ 100 ms | 40.0 | met |" in text
    assert run.goals_markdown([{"scenario": "floor", "goals": []}]) == ""


def test_summaries_carry_the_answer_size():
    raw = {
        "window": [0.0, 2.0],
        "latencies_ms": [5, 7],
        "queries": [3, 3],
        "failures": {},
        "sizes": [2048, 4096],
    }
    assert run.summarise("control_company", raw)["kb_per_response"] == 3.0


def test_the_servers_key_is_the_same_in_every_run_on_one_database():
    """Secrets the seed encrypted (the benchmark store's webhook secret) stay readable in the next run."""
    from bench.run import bench_secret_key, server_env

    url = "postgres://postgres@127.0.0.1:5432/lumen_bench"
    first, second = server_env(url, "redis://x")["SECRET_KEY"], server_env(url, "redis://x")["SECRET_KEY"]
    assert first == second == bench_secret_key(url)
    assert len(first) >= 50
    assert bench_secret_key(url + "_other") != first


def test_the_server_runs_twice_as_many_workers_as_cpus_by_default():
    """A keep-alive connection stays with the worker that accepted it: with one worker per CPU, one of them
    could hold most of the users while the other idled."""
    assert run.parse_args([]).workers == run.DEFAULT_WORKERS == 2 * (os.cpu_count() or 1)
    assert run.parse_args(["--workers", "3"]).workers == 3


@pytest.mark.django_db(transaction=True)
def test_settling_vacuums_the_database_and_returns_its_time():
    """On the test database itself (VACUUM cannot run inside the test's transaction, hence transaction=True)."""
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark runs on PostgreSQL only")
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(last_vacuum), 'epoch') FROM pg_stat_user_tables")
        before = cursor.fetchone()[0]

    seconds = run.settle_database(url)

    assert seconds >= 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(last_vacuum) FROM pg_stat_user_tables")
        assert cursor.fetchone()[0] > before
