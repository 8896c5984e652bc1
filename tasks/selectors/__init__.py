"""Every read of tasks, already filtered to what the user may see, split by subject into modules with the same
names as the services, views, forms and API modules of the app. Call sites import the package:
`from tasks import selectors; selectors.task_list(...)`. The `can_*` rules live in `tasks.permissions`; they
are re-exported here because selectors, services and templates ask them together with the reads.
"""

from ..permissions import *  # noqa: F403
from .boards import *  # noqa: F403
from .checklists import *  # noqa: F403
from .comments import *  # noqa: F403
from .files import *  # noqa: F403
from .history import *  # noqa: F403
from .links import *  # noqa: F403
from .plan import *  # noqa: F403
from .reports import *  # noqa: F403
from .saved_filters import *  # noqa: F403
from .tags import *  # noqa: F403
from .tasks import *  # noqa: F403
from .templates import *  # noqa: F403
from .time import *  # noqa: F403
