import pytest


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what services schedule on commit (inline Celery jobs, live pushes) inside a `db` test."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def stored():
    """{key: value} stored for a user (what the header reads), 0 for missing keys."""
    from portal.notifications.counters import counters_get

    return counters_get
