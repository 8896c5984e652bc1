"""Every read of the reports app, already permission-filtered, split by subject; import from here
(`from reports import selectors`)."""

from .control import *  # noqa: F403
from .control_checks import *  # noqa: F403
from .control_columns import *  # noqa: F403
from .control_details import *  # noqa: F403
from .control_workday import *  # noqa: F403
from .digest_display import *  # noqa: F403
from .digests import *  # noqa: F403
from .report_numbers import *  # noqa: F403
from .report_prefills import *  # noqa: F403
from .reports import *  # noqa: F403
from .timesheet_absences import *  # noqa: F403
from .timesheet_task_time import *  # noqa: F403
from .timesheets import *  # noqa: F403
from .workday import *  # noqa: F403
