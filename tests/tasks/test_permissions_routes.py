"""Do the tasks matrices (pages, task page, boards, tags and reports, API) call every route of the app,
and does every write row probe its side effect? See tests/matrix.py."""

from __future__ import annotations

from tests.matrix import assert_covers_every_route
from tests.tasks import (
    test_api_permissions,
    test_control_permissions,
    test_permissions_boards,
    test_permissions_pages,
    test_permissions_tags_reports,
    test_permissions_task_page,
)
from tests.tasks.test_permissions_boards import endpoints  # noqa: F401 (fixture of its matrix)


def test_matrix_covers_every_route(request, db):
    assert_covers_every_route(
        request,
        urlconfs=["tasks.urls", "tasks.api.urls"],
        modules=[
            test_api_permissions,
            test_control_permissions,
            test_permissions_boards,
            test_permissions_pages,
            test_permissions_tags_reports,
            test_permissions_task_page,
        ],
        public={},
    )
