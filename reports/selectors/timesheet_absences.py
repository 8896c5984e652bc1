"""Reports: absences in the timesheets. The hook lives in core (`portal.core.absences`): an absence app
registers a provider with `register_absence_provider(func)`; `absence_days` asks every provider and merges
their answers. Re-exported here so that `from reports.selectors import absence_days` keeps working.
"""

from __future__ import annotations

from portal.core.absences import (
    AbsenceProvider,
    absence_days,
    absence_until,
    register_absence_provider,
    unregister_absence_provider,
)

__all__ = [
    "AbsenceProvider",
    "absence_days",
    "absence_until",
    "register_absence_provider",
    "unregister_absence_provider",
]
