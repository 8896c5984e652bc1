"""Role x endpoint matrix of the routes the project itself owns: the home page, search, the health check,
the API root and search, the API schema and its documentation pages.

The health check and the API schema with its documentation pages are public on purpose (the schema
documents the API, it holds no data); everything else needs a signed-in person: anonymous visitors of pages
go to the login page, of the API get 401/403.
"""

from __future__ import annotations

import itertools
import sys
import types

import pytest
from django.urls import reverse

from tests.matrix import assert_covers_every_route
from tests.utils import Endpoint, assert_matrix

LOGIN = 302
ANON_API = (401, 403)


def _all(status, anonymous=LOGIN):
    return {
        "anonymous": anonymous,
        "outsider": status,
        "member": status,
        "supervisor": status,
        "admin": status,
    }


def test_permission_matrix(roles):
    schema = {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"}
    assert_matrix(
        roles,
        [
            Endpoint("home", "GET", reverse("home"), _all(200)),
            Endpoint("search page", "GET", reverse("search") + "?q=east", _all(200)),
            Endpoint("search suggestions", "GET", reverse("search_suggest") + "?q=east", _all(200)),
            Endpoint("picker lookup", "GET", reverse("lookup") + "?sources=people&q=ea", _all(200, 401)),
            Endpoint("health check", "GET", reverse("healthz"), _all(200, anonymous=200)),
            Endpoint("api root", "GET", reverse("api-root"), _all(200, ANON_API)),
            Endpoint("api search", "GET", reverse("api-search") + "?q=east", _all(200, ANON_API)),
            Endpoint("api schema", "GET", reverse("api-schema"), _all(200, anonymous=200), extra=schema),
            Endpoint("api docs", "GET", reverse("api-docs"), _all(200, anonymous=200)),
            Endpoint("api reference", "GET", reverse("api-redoc"), _all(200, anonymous=200)),
        ],
    )


# Routes of the project's own URLconf with no matrix row, and why.
PUBLIC_ROUTES = {
    "admin/*": "Django admin: staff only, its own login (tests/<app>/test_admin.py)",
}


def test_matrix_covers_every_route(request, db):
    assert_covers_every_route(
        request,
        urlconfs=["portal.urls", "portal.core.api.urls"],
        modules=[sys.modules[__name__]],
        public=PUBLIC_ROUTES,
    )


# --- The checks themselves must be able to fail ---------------------------------------------------------


def test_route_coverage_names_missing_routes_unprobed_writes_and_stale_entries(request, roles):
    module = types.ModuleType("partial_rows")

    def test_partial_matrix(roles):
        read_all = reverse("notifications:read_all")
        assert_matrix(roles, [Endpoint("unprobed write", "POST", read_all, {"member": 302}, format="form")])

    test_partial_matrix.__module__ = module.__name__
    module.test_partial_matrix = test_partial_matrix
    with pytest.raises(AssertionError) as failure:
        assert_covers_every_route(
            request,
            urlconfs=["portal.notifications.urls"],
            modules=[module],
            public={"notifications/settings/": "listed", "gone/": "a route that left"},
        )
    message = str(failure.value)
    assert "no matrix row for GET notifications:list 'notifications/'" in message
    assert "no matrix row for POST notifications:open 'notifications/<int:pk>/open/'" in message
    assert "write row without a `changed` probe: 'unprobed write'" in message
    assert "allow-list entry names no route: 'gone/'" in message
    assert "read_all" not in message and "settings" not in message


def test_side_effect_probe_fails_refused_writes_that_change_and_allowed_ones_that_do_not(roles):
    ticks = itertools.count()
    read_all = reverse("notifications:read_all")
    with pytest.raises(AssertionError) as failure:
        assert_matrix(
            roles,
            [
                Endpoint(
                    "moving probe",
                    "POST",
                    read_all,
                    {"anonymous": LOGIN},
                    format="form",
                    changed=ticks.__next__,
                ),
                Endpoint("still probe", "POST", read_all, {"member": 302}, format="form", changed=lambda: 0),
                Endpoint(
                    "still but no-op",
                    "POST",
                    read_all,
                    {"admin": 302},
                    format="form",
                    changed=lambda: 0,
                    unchanged_for=("admin",),
                ),
            ],
        )
    message = str(failure.value)
    assert "moving probe" in message and "refused (302) but changed" in message
    assert "still probe" in message and "allowed (302) but changed nothing" in message
    assert "still but no-op" not in message
