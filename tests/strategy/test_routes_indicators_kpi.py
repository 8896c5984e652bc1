"""Do the indicator and KPI permission matrices call every route of theirs (pages and API), and does every write
row probe its side effect? (tests/matrix.py; the goals' routes have matrices of their own.)"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import resolve

from tests.matrix import SAME_ACTION, app_routes, matrix_rows
from tests.strategy import test_permissions_indicators, test_permissions_kpi
from tests.strategy.test_permissions_indicators import indicator_endpoints, indicator_points, indicators_world
from tests.strategy.test_permissions_kpi import kpi_endpoints, kpi_world

MINE = (
    "strategy/indicators/",
    "strategy/kpi/",
    "api/v1/strategy/indicators/",
    "api/v1/strategy/values/",
    "api/v1/strategy/metrics/",
    "api/v1/strategy/kpi-cards/",
    "api/v1/strategy/kpi-scores/",
)
FIXTURES = (indicator_endpoints, indicator_points, indicators_world, kpi_endpoints, kpi_world)


def test_the_matrices_cover_every_indicator_and_kpi_route(request, db):
    routes = [r for r in app_routes("strategy.urls", "strategy.api.urls") if r.route.startswith(MINE)]
    assert len(routes) >= 20
    rows = matrix_rows(request, [test_permissions_indicators, test_permissions_kpi])
    covered, problems = set(), []
    for endpoint, url in rows:
        method = endpoint.method.upper()
        covered.add((resolve(urlsplit(url).path).route, SAME_ACTION.get(method, method)))
        if endpoint.is_write and endpoint.changed is None:
            problems.append(f"write row without a probe: {endpoint.name}")
    for route in routes:
        reached = {m for r, m in covered if r == route.route}
        if route.methods is None:
            if not reached:
                problems.append(f"no matrix row for {route}")
            continue
        for method in sorted({SAME_ACTION.get(m, m) for m in route.methods} - reached):
            problems.append(f"no matrix row for {method} {route}")
    assert not problems, "\n".join(problems)
