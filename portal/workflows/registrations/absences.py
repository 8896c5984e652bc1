"""Where the workflows app shows up in the rest of the portal: absences. Core's absence hook
(`portal.core.absences`) learns who is away from the absence chart, for the timesheets, the control dashboard,
the digests, the directory, the profile, the task form and chat: {user_id: {date: label}} in one query per
call."""

from __future__ import annotations

from portal.core.absences import register_absence_provider


def absence_provider(*, user_ids, start, end) -> dict:
    """The people's absences from `start` to `end` as {user_id: {date: label}} (one query)."""
    from ..selectors.absences import absence_labels

    return absence_labels(user_ids=user_ids, start=start, end=end)


def register() -> None:
    register_absence_provider(absence_provider)
