"""Every write of the reports app, split by subject; import from here (`from reports import services`).

Services are keyword-only and atomic; they check who may act (rows the actor may not see answer 404, visible
rows without the right answer 403), validate (ValidationError with a field dict; nothing is written), write
audit rows, notify, and schedule counter recounts after commit.
"""

from .control import *  # noqa: F403
from .digests import *  # noqa: F403
from .reports import *  # noqa: F403
from .timesheets import *  # noqa: F403
from .work_schedules import *  # noqa: F403
from .workday import *  # noqa: F403
from .workday_corrections import *  # noqa: F403
