"""The registry of KPI metrics (portal.core.metrics): registering, listing, getting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.core.errors import NotFound
from portal.core.metrics import ARG_KINDS, SUBJECT_ARGS, metric_get, metric_list, register_metric
from portal.core.registry import AlreadyRegistered, Metric, MetricArg, registry


def _compute(tuples, start, end):
    return {t: Decimal(1) for t in tuples}


def _rows(args, start, end, user):
    return []


@pytest.fixture
def empty_metrics():
    with registry.metrics.override(clear=True):
        yield


def test_register_list_and_get(empty_metrics):
    second = register_metric("b.two", _compute, SUBJECT_ARGS, "Two", _rows, unit="%")
    first = register_metric("a.one", _compute, [MetricArg("person", "person")], "One", _rows)
    assert isinstance(first, Metric)
    assert first.args == (MetricArg("person", "person"),)
    assert [m.key for m in metric_list()] == ["a.one", "b.two"]
    assert metric_get("b.two") is second and second.unit == "%"
    # registering the same metric again (a ready() run twice) is harmless; another one under its key is not
    register_metric("a.one", _compute, [MetricArg("person", "person")], "One", _rows)
    with pytest.raises(AlreadyRegistered):
        register_metric("a.one", _compute, [MetricArg("department", "department")], "One", _rows)


def test_get_an_unknown_metric_is_not_found(empty_metrics):
    with pytest.raises(NotFound):
        metric_get("a.missing")


@pytest.mark.parametrize(
    "key", ["count", "Tasks.count", "tasks.count.more", "tasks.", ".count", "tasks.Count"]
)
def test_a_key_is_app_dot_name(empty_metrics, key):
    with pytest.raises(ValueError):
        register_metric(key, _compute, (), "X", _rows)
    assert metric_list() == []


def test_arguments_are_checked(empty_metrics):
    with pytest.raises(ValueError):
        register_metric("a.x", _compute, [MetricArg("who", "colour")], "X", _rows)
    with pytest.raises(ValueError):
        register_metric("a.x", _compute, [MetricArg("p", "person"), MetricArg("p", "person")], "X", _rows)
    with pytest.raises(ValueError):
        register_metric("a.x", _compute, ["person"], "X", _rows)
    assert metric_list() == []


def test_the_apps_register_their_metrics():
    """Every metric the apps register is well formed: a key, a label, arguments of known kinds."""
    for metric in metric_list():
        assert str(metric.label)
        assert all(arg.kind in ARG_KINDS for arg in metric.args)
        assert callable(metric.compute) and callable(metric.drill_down)


def test_the_metrics_the_strategy_relies_on_are_registered():
    args = {m.key: tuple((a.name, a.kind, a.required) for a in m.args) for m in metric_list()}
    subject = (("person", "person", False), ("department", "department", False))
    by_pipeline = (("pipeline", "pipeline", False), *subject)
    expected = {
        "tasks.closed_count": subject,
        "tasks.closed_on_time_share": subject,
        "tasks.overdue_count": subject,
        "tasks.hours_logged": subject,
        "reports.credited_days_share": subject,
        "reports.hours_worked": subject,
        "reports.late_days": subject,
        "crm.deals_won_amount": by_pipeline,
        "crm.deals_won_count": by_pipeline,
        "crm.calls_count": subject,
        "crm.leads_converted": subject,
        "workflows.approvals_overdue": subject,
        "workflows.approvals_done": subject,
    }
    assert {key: args.get(key) for key in expected} == expected


@pytest.mark.django_db
def test_every_registered_metric_computes_and_drills_down_on_an_empty_company():
    """Every metric answers for a person and a department without data (a number, or None for a share of
    nothing), None for a department that does not exist, and drills down to nothing."""
    import datetime

    from tests.people.factories import AdminFactory, DepartmentFactory, UserFactory

    department = DepartmentFactory()
    person = UserFactory(department=department)
    admin = AdminFactory()
    start, end = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)
    for metric in metric_list():
        assert metric.unit in ("", "%", "h") or (len(metric.unit) == 3 and metric.unit.isupper()), metric.key
        names = [arg.name for arg in metric.args]

        def call(**given):
            return tuple(given.get(name) for name in names)  # noqa: B023 (used at once)

        if "department" not in names:
            continue
        mine, theirs, missing = (
            call(person=person.pk),
            call(department=department.pk),
            call(department=999_999),
        )
        values = metric.compute([mine, theirs, missing], start, end)
        assert set(values) == {mine, theirs, missing}, metric.key
        for value in (values[mine], values[theirs]):
            assert value is None or (isinstance(value, Decimal) and value == 0), metric.key
        assert values[missing] is None, metric.key
        assert metric.drill_down(mine, start, end, admin) == [], metric.key
        assert metric.drill_down(theirs, start, end, admin) == [], metric.key
