"""Every read of the reports app, already permission-filtered, split by subject; import from here
(`from reports import selectors`)."""

from .control import *  # noqa: F403
from .digests import *  # noqa: F403
from .reports import *  # noqa: F403
from .timesheets import *  # noqa: F403
from .workday import *  # noqa: F403
