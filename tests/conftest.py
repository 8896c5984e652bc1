"""Fixtures every test package shares: the company, a role set, clients, media, real servers."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.people.factories import AdminFactory, CompanyFactory, DepartmentFactory, UserFactory
from tests.utils import client_as

pytest_plugins = [
    "tests.plugins.browser",
    "tests.plugins.celery_worker",
    "tests.plugins.smtp",
    "tests.plugins.asgi_server",
    "tests.plugins.xdist_groups",
]


# The slow groups, by module: `make test-fast` leaves them out (`-m "not demo and not seed_scale and ..."`).
SLOW_MODULES = {
    "test_demo.py": "demo",  # seeds the demo company
    "test_seed_scale.py": "seed_scale",  # seeds a company at scale
    "test_bench.py": "bench",
    "test_digests_bench.py": "bench",
}


def _uses_demo(item) -> bool:
    return "demo_company" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    """Mark the slow groups; skip server-bound tests with a visible reason when the server is not configured.

    Order: the tests of the shared demo company first and together (see `demo_company`), then the other slow
    modules, then the rest, so that with pytest-xdist the long pieces start early instead of making the last
    minute of the run a one-process tail."""
    items.sort(key=lambda item: 0 if _uses_demo(item) else 1 if item.path.name in SLOW_MODULES else 2)
    have_pg = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    have_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        slow = SLOW_MODULES.get(item.path.name)
        if slow:
            item.add_marker(slow)
        # `--dist loadgroup` keeps the test_demo.py modules in one process (tests/plugins/xdist_groups.py).
        if _uses_demo(item) and item.path.name != "test_demo.py":
            raise pytest.UsageError(f"{item.nodeid} reads `demo_company`: move it to a test_demo.py module")
        if "postgres" in item.keywords and not have_pg:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if ("redis" in item.keywords or "celery_worker" in item.keywords) and not have_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://..."))


_demo_close_key = pytest.StashKey[object]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Roll the demo company back as soon as the last test that reads it is done (its own fixtures torn down
    first), so that the tests after it in this process meet the usual empty company."""
    result = yield
    close = item.session.stash.get(_demo_close_key, None)
    if close is not None and _uses_demo(item) and (nextitem is None or not _uses_demo(nextitem)):
        close()
    return result


@pytest.fixture(scope="session")
def demo_company(request, django_db_setup, django_db_blocker):
    """The whole demo company, seeded once per test process as `make run` seeds it (`seed_demo` with the jobs
    that services schedule on commit run). Returns what the command printed.

    Seeding takes tens of seconds, so the tests that read the demo share one: it is seeded inside a
    transaction that stays open while they run and is then rolled back. Each test runs in a savepoint inside
    it (its `db`), so what a test changes is undone before the next one. Other tests must not see the demo,
    so the tests that use this fixture run together (first, see pytest_collection_modifyitems; in one xdist
    process, see tests/plugins/xdist_groups.py), and `pytest_runtest_teardown` rolls the demo back after the last.
    """
    import io

    from django.core.management import call_command
    from django.db import transaction
    from django.test import TestCase

    from portal.people.models import Company

    def close() -> None:
        if not close.closed:
            close.closed = True
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

    close.closed = False
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            Company.objects.all().delete()
            out = io.StringIO()
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("seed_demo", stdout=out)
        except BaseException:
            close()
            raise
    request.session.stash[_demo_close_key] = close
    yield out.getvalue()
    close()


@pytest.fixture(autouse=True)
def _registered_company(request):
    """Pages need a registered portal (else they lead to /setup/). Every test with a database gets the
    company; first-run tests delete it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    if "demo_company" in request.fixturenames:
        if getattr(request.session.stash.get(_demo_close_key, None), "closed", False):
            pytest.fail(
                "the demo company was rolled back already: its tests must run together", pytrace=False
            )
        return  # the demo registered its own
    CompanyFactory()


@pytest.fixture(autouse=True)
def _default_time_zone_and_language():
    """Every test starts and ends in the default time zone and language, whatever a request made with the test
    client activated in this thread for its user (an e2e test reads the thread's zone to type times; a helper's
    test compares English words)."""
    from django.utils import timezone, translation

    timezone.deactivate()
    translation.deactivate()
    yield
    timezone.deactivate()
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_daily_people_lists():
    """Per-day lists of people (birthdays, anniversaries) live in the cache under a version of the people;
    a test's rolled-back people must not reach the next test through it."""
    from portal.people.selectors import company_changed, people_changed

    people_changed()
    company_changed()  # the company is cached too: a rolled-back company must not outlive its test


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def org(db):
    """A four-level company:

    Acme (root, head: ceo)
    └─ Sales (head: sales_head)            member: sales_rep
       └─ Sales East (head: east_head)     member: east_rep
          └─ East Field (no head)          member: field_rep
    └─ IT (head: it_head)                  member: developer
    """
    from types import SimpleNamespace

    root = DepartmentFactory(name="Acme")
    sales = DepartmentFactory(name="Sales", parent=root)
    east = DepartmentFactory(name="Sales East", parent=sales)
    field = DepartmentFactory(name="East Field", parent=east)
    it = DepartmentFactory(name="IT", parent=root)
    people = {
        "ceo": UserFactory(email="ceo@acme.test", department=root, position="CEO"),
        "sales_head": UserFactory(email="sales.head@acme.test", department=sales),
        "sales_rep": UserFactory(email="sales.rep@acme.test", department=sales),
        "east_head": UserFactory(email="east.head@acme.test", department=east),
        "east_rep": UserFactory(email="east.rep@acme.test", department=east),
        "field_rep": UserFactory(email="field.rep@acme.test", department=field),
        "it_head": UserFactory(email="it.head@acme.test", department=it),
        "developer": UserFactory(email="dev@acme.test", department=it),
        "admin": AdminFactory(email="admin@acme.test", department=root),
    }
    from portal.people.models import Department

    for dept, head in [(root, "ceo"), (sales, "sales_head"), (east, "east_head"), (it, "it_head")]:
        Department.objects.filter(pk=dept.pk).update(head=people[head])
    for dept in (root, sales, east, field, it):
        dept.refresh_from_db()
    return SimpleNamespace(root=root, sales=sales, east=east, field=field, it=it, **people)


@pytest.fixture
def roles(org):
    """The role set of permission matrices. What "member" means is up to each test (it adds the
    `member` user to the group, audience or record under test); the supervisor heads member's department.
    """
    return {
        "anonymous": None,
        "outsider": org.developer,
        "member": org.east_rep,
        "supervisor": org.sales_head,
        "admin": org.admin,
    }


@pytest.fixture
def api_client():
    return client_as(None)


@pytest.fixture
def client_for():
    return client_as


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def celery_config():
    return {"broker_url": settings.CELERY_BROKER_URL, "result_backend": settings.CELERY_RESULT_BACKEND}
