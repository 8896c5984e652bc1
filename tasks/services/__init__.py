"""Every write to tasks. Services are keyword-only and atomic; they check who may act (a task the actor may
not see answers 404, a visible task without the right answers 403), validate (ValidationError with a field
dict; nothing is written), write the audit row (the task's change history), keep stored numbers with F(),
publish stream entries, notify people and schedule counter recounts after commit.

The services are split by subject into modules with the same names as the views, forms, selectors and API
modules of the app (tasks, transitions, links, checklists, comments, files, tags, time, templates, sweeps,
plan, saved_filters); `validation` and `effects` hold the checks and side effects they share. Call sites
import the package: `from tasks import services; services.task_create(...)`.
"""

from .checklists import *  # noqa: F403
from .comments import *  # noqa: F403
from .effects import task_search_text_refresh, work_hours_deadline  # noqa: F401
from .files import *  # noqa: F403
from .links import *  # noqa: F403
from .plan import *  # noqa: F403
from .saved_filters import *  # noqa: F403
from .sweeps import *  # noqa: F403
from .tags import *  # noqa: F403
from .tasks import *  # noqa: F403
from .templates import *  # noqa: F403
from .time import *  # noqa: F403
from .transitions import *  # noqa: F403
from .validation import UNSET  # noqa: F401
