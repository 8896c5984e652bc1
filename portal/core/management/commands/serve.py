"""`manage.py serve`: the production web server (uvicorn), started with the flags Lumen relies on.

Why a command of our own rather than `uvicorn portal.asgi:application`: uvicorn trusts proxy headers by
default. From a local address (127.0.0.1, where a reverse proxy or a tunnel usually connects from) it
replaces the connecting address with whatever `X-Forwarded-For` says, before Django sees the request.
A client who reaches the server through anything local could then pick the address that the API
throttles, the login lockout and the workday's address check see. Lumen reads `X-Forwarded-For` itself,
and only as far as `LUMEN_TRUSTED_PROXIES` says (portal.core.http.client_ip), so the server must pass
the connecting address through untouched: this command always starts uvicorn with proxy headers off.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

APPLICATION = "portal.asgi:application"


def uvicorn_options(
    *, host: str, port: int, workers: int, log_level: str, access_log: bool, root_path: str = ""
) -> dict:
    """The keyword arguments of `uvicorn.run` for Lumen's web process (tested: proxy headers stay off)."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "log_level": log_level,
        "access_log": access_log,
        "root_path": root_path,
        # The application reads X-Forwarded-For / X-Forwarded-Proto itself, as far as its settings trust
        # them (LUMEN_TRUSTED_PROXIES, SECURE_PROXY_SSL_HEADER); the server must not rewrite the client.
        "proxy_headers": False,
        "forwarded_allow_ips": "",
        "server_header": False,
        # Django's ASGI handler (and Channels' router) speak no lifespan protocol.
        "lifespan": "off",
    }


class Command(BaseCommand):
    help = (
        "Start the production web server (uvicorn, HTTP and websockets) with proxy headers off: "
        "X-Forwarded-For is read by Lumen itself, as far as LUMEN_TRUSTED_PROXIES says."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default=os.environ.get("HOST", "127.0.0.1"), help="default: $HOST or 127.0.0.1"
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000")), help="default: $PORT or 8000"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "1")),
            help="worker processes (default: $WEB_CONCURRENCY or 1)",
        )
        parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "info").lower())
        parser.add_argument("--no-access-log", action="store_true", help="do not log every request")
        parser.add_argument("--root-path", default="", help="the path prefix when served below a sub-path")

    def handle(self, *args, **options):
        import uvicorn

        if options["workers"] < 1:
            raise CommandError("--workers must be 1 or more.")
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        config = uvicorn_options(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level=options["log_level"],
            access_log=not options["no_access_log"],
            root_path=options["root_path"],
        )
        workers = options["workers"]
        self.stdout.write(
            f"Lumen on http://{options['host']}:{options['port']}/ "
            f"({workers} {'worker' if workers == 1 else 'workers'})"
        )
        uvicorn.run(APPLICATION, **config)
