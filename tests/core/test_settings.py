"""Production settings refuse to start half-configured and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS")}
    full_env.update(env)
    full_env["DJANGO_SETTINGS_MODULE"] = "portal.settings.prod"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_prod_refuses_without_secret_key():
    result = _manage("check", ALLOWED_HOSTS="intranet.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_prod_refuses_without_allowed_hosts():
    result = _manage("check", SECRET_KEY="x" * 64)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_prod_passes_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k3y-" + "abcdefghij" * 6,
        ALLOWED_HOSTS="intranet.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_prod_reads_the_number_of_trusted_proxies():
    prod = {"SECRET_KEY": "k3y-" + "abcdefghij" * 6, "ALLOWED_HOSTS": "intranet.example.com"}

    def shown(**env) -> list[str]:
        code = "from django.conf import settings as s; print(s.LUMEN_TRUSTED_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES'])"
        return _manage("shell", "--no-imports", "-c", code, **prod, **env).stdout.split()

    assert shown() == ["0", "0"]  # by default no header is trusted
    assert shown(LUMEN_TRUSTED_PROXIES="2") == ["2", "2"]
    refused = _manage("check", LUMEN_TRUSTED_PROXIES="-1", **prod)
    assert refused.returncode != 0 and "LUMEN_TRUSTED_PROXIES" in refused.stderr


def test_collectstatic_with_the_production_storage(tmp_path, settings):
    """Every static file, ours and the vendored packages', goes through the manifest storage of production:
    a file it references but cannot find (a source map left behind, say) fails here, not on deployment."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)  # Django resets its storage on the change
    manifest = (tmp_path / "staticfiles.json").read_text()

    assert "vendor/chart.js/chart.umd.js" in manifest
    assert "vendor/htmx/htmx.min.js" in manifest


def test_env_example_has_no_inline_comments():
    """django-environ keeps an inline "# ..." as part of the value: a copied .env would then break env.int."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    inline = [line for line in text.splitlines() if not line.startswith("#") and " #" in line]
    assert not inline


def test_postgresql_connections_run_without_the_jit_compiler(db, is_postgres):
    """A web app's queries are short: compiling them (when the planner's estimate passes the JIT threshold,
    as a company-wide dashboard's did) cost more than running them."""
    import pytest
    from django.db import connection

    if not is_postgres:
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_postgresql_connections_come_from_a_pool(transactional_db, is_postgres):
    """A request borrows an open connection and gives it back: no new server process per request."""
    import pytest
    from django.db import connection

    if not is_postgres:
        pytest.skip("PostgreSQL only")
    assert connection.pool is not None
    pids = []
    for _ in range(6):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), current_setting('jit')")
            pid, jit = cursor.fetchone()
        assert jit == "off"  # the pooled connections carry Lumen's options too
        pids.append(pid)
        connection.close()  # what the end of a request does: back to the pool, still open
    assert len(set(pids)) < len(pids)
