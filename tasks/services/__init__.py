"""Every write to tasks. Services are keyword-only and atomic; they check who may act (a task the actor may
not see answers 404, a visible task without the right answers 403), validate (ValidationError with a field
dict; nothing is written), write the audit row (the task's change history), keep stored numbers with F(),
publish stream entries, notify people and schedule counter recounts after commit.

The services are split by subject into modules of this package; import them from here:
`from tasks import services; services.task_create(...)`.
"""

from .boards import *  # noqa: F403
from .content import *  # noqa: F403
from .core import *  # noqa: F403
from .plan import *  # noqa: F403
from .time import *  # noqa: F403
