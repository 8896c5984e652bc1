"""What reports adds to the pages of other apps through core's registry (STYLE rule 13): a work report as
something a task can be made from (a line of it, `?from_report=` on the new-task form). Registered from
`ReportsConfig.ready()`; the app that shows it names no report."""

from __future__ import annotations

from django.urls import reverse

from portal.core.registry import TaskOrigin, registry


def _report_model():
    from .models import WorkReport

    return WorkReport


def _report_get(*, user, pk):
    from .selectors.reports import report_get

    return report_get(user=user, pk=pk)


def _report_url(pk) -> str:
    return reverse("reports:report_detail", args=[pk])


TASK_ORIGIN = TaskOrigin("report", _report_model, _report_get, _report_url, order=10)


def register() -> None:
    registry.task_origins.register(TASK_ORIGIN)
