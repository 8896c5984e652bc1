"""Every write to the activity stream, one module per subject.

Services are keyword-only and atomic. They check who may act (an entry the actor may not see answers
404; a visible entry without the right answers 403), validate input (ValidationError with a field dict,
and nothing is written), write the audit row, keep the stored counters right with F(), notify people
and schedule jobs after commit.

Other apps publish their domain events with `entry_publish(...)`. The names below are the public ones:
`from portal.stream.services import x` and `services.x(...)` reach them wherever they live.
"""

from __future__ import annotations

from ..audience import Audience
from .access import can_delete, can_edit
from .announcements import announcement_read
from .comments import COMMENT_MAX, comment_create, comment_delete, comment_update
from .counts import IMPORTANT_UNREAD
from .entries import (
    BODY_MAX,
    entry_audience_remove,
    entry_delete,
    entry_publish,
    post_create,
    post_update,
)
from .likes import like_add, like_remove, like_toggle
from .photos import PHOTOS_MAX, THUMBNAIL_SIZE, album_photos_add, photo_thumbnail_make
from .polls import POLL_OPTIONS_MAX, PollSpec, poll_close, poll_vote, polls_close_due

__all__ = [
    "Audience",
    "PollSpec",
    "entry_publish",
    "entry_audience_remove",
    "post_create",
    "post_update",
    "entry_delete",
    "comment_create",
    "comment_update",
    "comment_delete",
    "like_add",
    "like_remove",
    "like_toggle",
    "poll_vote",
    "poll_close",
    "polls_close_due",
    "announcement_read",
    "album_photos_add",
    "photo_thumbnail_make",
    "can_edit",
    "can_delete",
    "BODY_MAX",
    "COMMENT_MAX",
    "IMPORTANT_UNREAD",
    "PHOTOS_MAX",
    "POLL_OPTIONS_MAX",
    "THUMBNAIL_SIZE",
]
