"""`python -m bench.run` (`make bench`): the load benchmark of Lumen on PostgreSQL and Redis.

1. Creates and migrates a database of its own (`--database`, default lumen_bench) on the server that
   DATABASE_URL names, and seeds a company at scale there (`manage.py seed_scale`).
2. Starts the production server (uvicorn, several worker processes, `portal.settings.prod`) on loopback,
   with LUMEN_BENCH=1: query counting per request and the floor view.
3. Drives each scenario with locust, headless, with a fixed number of users for a fixed time.
4. Writes bench/results/<timestamp>.json and .md, and prints the table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

SCENARIOS = {
    "login_page": "GET /accounts/login/, anonymous",
    "directory_page": "GET /company/ and /company/?q=…, signed in",
    "group_list_api": "GET /api/v1/groups/, signed in (session)",
    "feed_page": "GET /stream/ and a deep /stream/?before=… page, signed in",
    "tasks_list": 'GET /tasks/?role=do: the "I do" list, signed in',
    "task_page": "GET /tasks/<id>/: one of the person's tasks, signed in",
    "task_list_api": "GET /api/v1/tasks/?role=do, signed in (session)",
    "kanban": "GET /tasks/kanban/: the person's Kanban board, signed in",
    "gantt_data": "GET /tasks/gantt/data/ and ?group=<project>: the Gantt chart's JSON, signed in",
    "floor": "GET /bench/floor/: the directory's first page as JSON via .values(), anonymous",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Load benchmark: seed a company at scale, start the production server, drive named "
        "scenarios with locust and report requests/s, latency percentiles, errors and queries per request, "
        "each next to the floor measured on the same server in the same run. Needs DATABASE_URL "
        "(PostgreSQL) and REDIS_URL.",
    )
    parser.add_argument("--users", type=int, default=10, help="concurrent locust users (default 10)")
    parser.add_argument("--duration", default="30s", help="time per scenario: 30s, 2m (default 30s)")
    parser.add_argument("--employees", type=int, default=5000, help="people to seed (default 5000)")
    parser.add_argument(
        "--tasks", type=int, default=None, help="tasks to seed (default: seed_scale's, 50 per employee)"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, from: {', '.join(SCENARIOS)} (default all; the floor always runs)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument(
        "--database", default="lumen_bench", help="database to create and seed (default lumen_bench)"
    )
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--warmup", type=float, default=None, help="seconds not measured (default: 1/5, max 5)"
    )
    args = parser.parse_args(argv)
    args.seconds = parse_duration(parser, args.duration)
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    args.scenario_list = [n for n in SCENARIOS if n in names or n == "floor"]
    if args.users < 1 or args.workers < 1 or args.employees < 10:
        parser.error("--users and --workers must be positive, --employees at least 10")
    if args.warmup is None:
        args.warmup = min(5.0, args.seconds / 5)
    return args


def parse_duration(parser: argparse.ArgumentParser, text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    text = text.strip().lower()
    try:
        seconds = int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)
    except (ValueError, IndexError):
        parser.error(f"--duration {text!r}: use seconds (30, 30s) or minutes (2m)")
    if not 1 <= seconds <= 3600:
        parser.error("--duration must be between 1s and 1h")
    return seconds


# --- the database ---------------------------------------------------------------------------------


def bench_database_url(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(database_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"==> creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- processes ------------------------------------------------------------------------------------


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.prod",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LUMEN_VAR_DIR": str(ROOT / "var" / "bench"),
        "LUMEN_BENCH": "1",
        "LOG_LEVEL": "WARNING",
        # The API throttle stays in the request path (its cache round trip is part of the cost) but
        # never trips: a benchmark client is not an abuser.
        "API_THROTTLE_ANON": "100000000/minute",
        "API_THROTTLE_USER": "100000000/minute",
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "uvicorn", "portal.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    stop_server(process)
    sys.exit(f"the server did not answer /healthz within 60s; see {log_path}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def run_scenario(name: str, args: argparse.Namespace, port: int, log_path: Path) -> dict:
    with tempfile.NamedTemporaryFile(prefix=f"lumen-bench-{name}-", suffix=".json", delete=False) as handle:
        samples_path = Path(handle.name)
    env = {
        **os.environ,
        "LUMEN_BENCH_SCENARIO": name,
        "LUMEN_BENCH_SAMPLES": str(samples_path),
        "LUMEN_BENCH_LOGINS": str(min(100, args.employees)),
        "LUMEN_BENCH_PASSWORD": "lumen-bench",
        "LUMEN_BENCH_WARMUP": str(args.warmup),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "--host", f"http://127.0.0.1:{port}",
        "--users", str(args.users), "--spawn-rate", str(args.users),
        "--run-time", f"{args.seconds}s", "--stop-timeout", "10",
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    with log_path.open("ab") as log:
        log.write(f"\n===== {name} =====\n".encode())
        log.flush()
        result = subprocess.run(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=args.seconds + 120
        )
    try:
        raw = json.loads(samples_path.read_text())
    except (OSError, ValueError):
        sys.exit(f"locust ({name}) wrote no samples (exit {result.returncode}); see {log_path}")
    finally:
        samples_path.unlink(missing_ok=True)
    return summarise(name, raw)


# --- figures --------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(name: str, raw: dict) -> dict:
    latencies = sorted(raw["latencies_ms"])
    first, last = raw["window"]
    elapsed = (last - first) if first is not None and last is not None else 0.0
    failures = sum(raw["failures"].values())
    queries = raw["queries"]
    return {
        "scenario": name,
        "what": SCENARIOS[name],
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "errors": failures,
        "error_kinds": raw["failures"],
        "queries_per_request": round(sum(queries) / len(queries), 1) if queries else None,
        "queries_max": max(queries) if queries else None,
    }


def markdown_table(results: list[dict]) -> str:
    floor = next((r for r in results if r["scenario"] == "floor"), None)

    def ms(value) -> str:
        return "—" if value is None else f"{value:.0f}" if value >= 10 else f"{value:.1f}"

    def share(row) -> str:
        if not floor or not floor["rps"]:
            return "—"
        return f"{100 * row['rps'] / floor['rps']:.0f}%"

    def times(row) -> str:
        if not floor or not floor["p50_ms"] or row["p50_ms"] is None:
            return "—"
        return f"{row['p50_ms'] / floor['p50_ms']:.1f}×"

    lines = [
        "| scenario | requests | req/s | req/s vs floor | p50 ms | p50 vs floor | p95 ms | p99 ms | errors | queries/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        queries = "—" if row["queries_per_request"] is None else f"{row['queries_per_request']:g}"
        lines.append(
            f"| {row['scenario']} | {row['requests']} | {row['rps']:.1f} | {share(row)} | {ms(row['p50_ms'])} "
            f"| {times(row)} | {ms(row['p95_ms'])} | {ms(row['p99_ms'])} | {row['errors']} | {queries} |"
        )
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return None
    return out.stdout.strip() or None


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis"):
        print(
            "bench: needs PostgreSQL and Redis. Set DATABASE_URL=postgres://user@host:5432/anything (the "
            f"benchmark creates and uses the database {args.database!r} on that server) and "
            "REDIS_URL=redis://host:6379/0, then run `make bench` again.",
            file=sys.stderr,
        )
        return 2

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = RESULTS / f"{stamp}.log"

    ensure_database(database_url, args.database)
    env = server_env(bench_database_url(database_url, args.database), redis_url)
    print(f"==> migrating {args.database}")
    manage(env, "migrate", "--noinput")
    print(f"==> seeding {args.employees} employees")
    started = time.perf_counter()
    seed_args = ["--employees", str(args.employees)]
    if args.tasks is not None:
        seed_args += ["--tasks", str(args.tasks)]
    seed_output = manage(env, "seed_scale", *seed_args)
    seed_seconds = round(time.perf_counter() - started, 1)
    print(seed_output.rstrip())
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")

    port = args.port or free_port()
    print(f"==> starting uvicorn ({args.workers} workers) on 127.0.0.1:{port}")
    server = start_server(env, port, args.workers, log_path)
    results = []
    try:
        for name in args.scenario_list:
            print(f"==> {name}: {args.users} users for {args.seconds}s ({SCENARIOS[name]})")
            results.append(run_scenario(name, args, port, log_path))
    finally:
        stop_server(server)

    table = markdown_table(results)
    report = {
        "started": stamp,
        "commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "config": {
            "users": args.users,
            "seconds": args.seconds,
            "warmup_seconds": args.warmup,
            "employees": args.employees,
            "tasks": args.tasks,
            "workers": args.workers,
            "database": args.database,
            "scenarios": args.scenario_list,
        },
        "seed": {"seconds_including_startup": seed_seconds, "output": seed_output.strip()},
        "results": results,
    }
    json_path = RESULTS / f"{stamp}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    heading = (
        f"Lumen benchmark {stamp} (commit {report['commit'] or '?'}): {args.employees} employees, "
        f"{args.users} users, {args.seconds}s per scenario, uvicorn × {args.workers}, {os.cpu_count()} CPUs"
    )
    (RESULTS / f"{stamp}.md").write_text(f"{heading}\n\n{table}\n")
    print(f"\n{heading}\n\n{table}\n")
    print(
        f"results: {json_path.relative_to(ROOT)} (+ .md, server and locust log: {log_path.relative_to(ROOT)})"
    )
    return 1 if any(row["errors"] for row in results) else 0


if __name__ == "__main__":
    sys.exit(main())
