"""Replay one GET in this process and show where its time goes: the profiler of issue 12's method.

    manage.py profile_request /tasks/?role=do --as person5@scale.lumen
    manage.py profile_request /reports/?subtree=1 --as person1@scale.lumen --repeat 5 --profiler cprofile
    manage.py profile_request /api/v1/tasks/ --as person5@scale.lumen --sql

The request goes through the whole middleware stack with Django's test client, signed in as the person
(no password needed), after `--warmup` unmeasured requests (template and URL caches filled, as on a
running server). Then `--repeat` requests are timed and profiled together: pyinstrument's call tree
when it is installed (the `bench` extra), else cProfile's top functions by cumulative time. The queries
of one request are counted, and listed with `--sql`.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


class Command(BaseCommand):
    help = "Replay one GET in-process, signed in as a person, and print its profile and queries."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the path and query string, e.g. /tasks/?role=do")
        parser.add_argument("--as", dest="email", help="the e-mail of the person to sign in as")
        parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests first (default 3)")
        parser.add_argument("--repeat", type=int, default=5, help="measured requests (default 5)")
        parser.add_argument(
            "--profiler",
            choices=["auto", "pyinstrument", "cprofile", "none"],
            default="auto",
            help="default: auto",
        )
        parser.add_argument("--limit", type=int, default=40, help="cProfile: functions shown (default 40)")
        parser.add_argument(
            "--sort", default="cumulative", help="cProfile: the order (cumulative, tottime, ncalls...)"
        )
        parser.add_argument("--sql", action="store_true", help="list the queries of one request")

    def handle(self, *args, path: str, email: str | None, warmup: int, repeat: int, profiler: str, **opts):
        client = Client(HTTP_HOST=_host())
        if email:
            user = get_user_model().objects.filter(email__iexact=email).first()
            if user is None:
                raise CommandError(f"nobody has the e-mail {email!r}")
            client.force_login(user)
        for _ in range(max(0, warmup)):
            self._get(client, path)
        with CaptureQueriesContext(connection) as queries:
            response = self._get(client, path)
        self.stdout.write(
            f"{path}: status {response.status_code}, {len(response.content) / 1024:.1f} KB, "
            f"{len(queries)} queries"
        )
        if opts["sql"]:
            for number, query in enumerate(queries.captured_queries, start=1):
                self.stdout.write(f"  {number:>3}. ({query['time']} s) {query['sql'][:400]}")

        use = profiler
        if use == "auto":
            try:
                import pyinstrument  # noqa: F401

                use = "pyinstrument"
            except ImportError:
                use = "cprofile"
        timings = []
        if use == "none":  # timings only, without a profiler's own cost
            for _ in range(max(1, repeat)):
                timings.append(self._timed(client, path))
            report = ""
        elif use == "pyinstrument":
            from pyinstrument import Profiler

            session = Profiler(interval=0.0005)
            session.start()
            for _ in range(max(1, repeat)):
                timings.append(self._timed(client, path))
            session.stop()
            report = session.output_text(unicode=True, color=False, show_all=False)
        else:
            session = cProfile.Profile()
            session.enable()
            for _ in range(max(1, repeat)):
                timings.append(self._timed(client, path))
            session.disable()
            out = io.StringIO()
            pstats.Stats(session, stream=out).sort_stats(opts.get("sort") or "cumulative").print_stats(
                opts["limit"]
            )
            report = out.getvalue()
        self.stdout.write(report)
        self.stdout.write(
            f"{len(timings)} requests{'' if use == 'none' else ' under the profiler'}: median {statistics.median(timings):.1f} ms, "
            f"min {min(timings):.1f} ms, max {max(timings):.1f} ms "
            + ("" if use == "none" else " (the profiler adds its own cost)")
        )

    def _get(self, client: Client, path: str):
        response = client.get(path)
        if response.status_code >= 400:
            raise CommandError(f"{path} answered {response.status_code}")
        return response

    def _timed(self, client: Client, path: str) -> float:
        started = time.perf_counter()
        self._get(client, path)
        return (time.perf_counter() - started) * 1000


def _host() -> str:
    hosts = [host for host in settings.ALLOWED_HOSTS if host and host != "*" and not host.startswith(".")]
    return hosts[0] if hosts else "localhost"
