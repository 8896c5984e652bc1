"""The benchmark's strategy and knowledge-base pieces (issues 17 and 18): the seed lines read, the goals, the
compute stage."""

from __future__ import annotations

from bench import run
from knowledgebase.management.commands.seed_scale_kb import bench_line as kb_line
from strategy.management.commands.seed_scale_strategy import bench_line as strategy_line


def test_the_seed_lines_become_the_scenarios_ids():
    output = "\n".join(
        [
            "Seeded strategy: 2000 goals …",
            strategy_line(department=7, people=512, head="person7@scale.lumen", indicators=[3, 5, 8]),
            kb_line(space=3, pages_in_space=5000, pages=[5001, 5002], words=["onboarding", "invoice"]),
        ]
    )
    assert run.line_env(output) == {
        "LUMEN_BENCH_ORPHAN_DEPARTMENT": "7",
        "LUMEN_BENCH_ORPHAN_HEAD": "person7@scale.lumen",
        "LUMEN_BENCH_INDICATORS": "3,5,8",
        "LUMEN_BENCH_KB_SPACE": "3",
        "LUMEN_BENCH_KB_PAGES": "5001,5002",
        "LUMEN_BENCH_KB_WORDS": "onboarding,invoice",
    }
    assert run.line_env("") == {}


def test_the_new_scenarios_have_their_goals_and_few_users_for_latencies():
    for name in ("strategy_register", "strategy_map", "kb_space_tree"):
        assert run.GOALS[name]["queries_same"] == 0
    assert run.GOALS["kb_search_alone"] == {"p95_ms": 100.0}
    assert run.GOALS["strategy_orphans"] == {"p95_ms": 200.0}
    args = run.parse_args(["--users", "10"])
    assert [run.scenario_users(n, args) for n in ("kb_search", "kb_search_alone", "strategy_orphans")] == [
        10,
        2,
        2,
    ]


def test_query_goals():
    floor = {"scenario": "floor", "p50_ms": 10.0, "p95_ms": 20.0, "kb_per_response": None}
    row = {**floor, "scenario": "kb_space_tree", "p50_ms": 30.0, "queries_min": 6, "queries_max": 6}
    assert [c["met"] for c in run.scenario_goals(row, floor)] == [True, True]
    row = {**row, "queries_min": 6, "queries_max": 7}
    assert [c["met"] for c in run.scenario_goals(row, floor)] == [True, False]
    page = {**floor, "scenario": "kb_page", "p50_ms": 30.0, "queries_min": 7, "queries_max": 11}
    assert [c["met"] for c in run.scenario_goals(page, floor)] == [True, False]


def test_the_compute_stage_runs_with_the_strategy_scenarios_only():
    assert run.strategy_named(run.parse_args([]).scenario_list)
    assert not run.strategy_named(run.parse_args(["--scenarios", "kb_page"]).scenario_list)


def test_the_compute_goals_and_report():
    figures = {
        "month": "2026-11", "indicators": 202, "departments": 102, "cards": 2, "people": 498, "values": 198,
        "scores": 593, "values_seconds": 2.3, "seconds": 3.6, "cpu_seconds": 0.9, "sql_seconds": 0.9, "queries": 56,
    }  # fmt: skip
    goals = run.strategy_compute_goals(figures)
    assert [g["ok"] for g in goals] == [True, True]
    assert [g["ok"] for g in run.strategy_compute_goals({**figures, "seconds": 75.0})] == [False, True]
    text = run.strategy_compute_markdown({"figures": figures, "goals": goals, "ok": True})
    assert "202 formula indicators" in text and "**met** (3.6 s)" in text
    assert "Not measured: boom" in run.strategy_compute_markdown({"error": "boom"})
    assert run.strategy_compute_markdown(None) == ""
