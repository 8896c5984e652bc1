"""Do the reports matrices (working day, work reports, timesheets, control, digests) call every route of the
app, and does every write row probe its side effect? See tests/matrix.py."""

from __future__ import annotations

from tests.matrix import assert_covers_every_route
from tests.reports import (
    test_control_corrections_permissions,
    test_control_details_permissions,
    test_control_permissions,
    test_digests_permissions,
    test_reports_permissions,
    test_timesheets_permissions,
    test_workday_permissions,
)
from tests.reports.reports_support import people  # noqa: F401 (fixtures of the matrices)
from tests.reports.test_control_details_permissions import detail_users, waiting_report  # noqa: F401
from tests.reports.test_control_permissions import checkable, fresh_check  # noqa: F401
from tests.reports.test_reports_permissions import fresh, users  # noqa: F401
from tests.reports.test_workday_permissions import east_schedule, member_day  # noqa: F401


def test_matrix_covers_every_route(request, db):
    assert_covers_every_route(
        request,
        urlconfs=["reports.urls", "reports.api.urls"],
        modules=[
            test_control_corrections_permissions,
            test_control_details_permissions,
            test_control_permissions,
            test_digests_permissions,
            test_reports_permissions,
            test_timesheets_permissions,
            test_workday_permissions,
        ],
        public={},
    )
