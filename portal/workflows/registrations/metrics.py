"""The KPI metrics of approvals (portal.core.metrics), for the strategy app's formula indicators.

Each is counted per approval assignment (a person asked to decide on a step of a request), for a person or a
department with its sub-departments, over a period of dates (both inclusive, in the portal's time zone):

- `workflows.approvals_overdue`: assignments on approval steps whose due time fell within the period (and has
  passed) while the step still waited and the person had not decided: undecided then, decided later, or never
  (an escalation's own assignment, made when the time ran out, does not count);
- `workflows.approvals_done`: the decisions (approve, reject, return for rework) the person made within the
  period; an information step's "informed" is not a decision.

Each computes any number of subjects in at most three queries; a drill-down lists the requests behind the value
(one line per assignment: a request can ask the same person on two steps) that the reader may see.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.links import url_for_pk
from portal.core.metrics import (
    SUBJECT_ARGS,
    compute_by_subject,
    period_range,
    register_metric,
    subject_filter,
)

from ..choices import AssignmentReason, StepKind

DRILL_DOWN_LIMIT = 500
NOT_DECISIONS = ("", "informed")


def _assignments():
    from ..models import StepAssignment

    return StepAssignment.objects


def _overdue(start, end):
    lower, upper = period_range(start, end)
    return (
        _assignments()
        .filter(
            step__kind=StepKind.APPROVAL, step__due_at__gte=lower, step__due_at__lt=min(upper, timezone.now())
        )
        .filter(Q(decided_at__isnull=True) | Q(decided_at__gt=F("step__due_at")))
        .filter(Q(step__finished_at__isnull=True) | Q(step__finished_at__gt=F("step__due_at")))
        .exclude(reason=AssignmentReason.ESCALATED)
    )


def _done(start, end):
    lower, upper = period_range(start, end)
    return (
        _assignments()
        .filter(step__kind=StepKind.APPROVAL, decided_at__gte=lower, decided_at__lt=upper)
        .exclude(decision__in=NOT_DECISIONS)
    )


def _count(parts) -> Decimal:
    return Decimal(parts["n"])


def approvals_overdue(calls, start, end):
    return compute_by_subject(
        calls, _overdue(start, end), person="user", parts={"n": Count("pk")}, value=_count
    )


def approvals_done(calls, start, end):
    return compute_by_subject(calls, _done(start, end), person="user", parts={"n": Count("pk")}, value=_count)


def _rows(queryset, args, user, order: str) -> list[tuple[str, str]]:
    from ..models import Process

    assignments = (
        queryset.filter(subject_filter(args, person="user"))
        .filter(step__process__in=Process.objects.visible_to(user).values("pk"))
        .order_by(order, "pk")
        .values_list("step__process_id", "step__process__title", "step__name")[:DRILL_DOWN_LIMIT]
    )
    return [
        (
            _("%(request)s: %(step)s") % {"request": title, "step": step},
            url_for_pk("workflows:process_detail", pk),
        )
        for pk, title, step in assignments
    ]


def approvals_overdue_rows(args, start, end, user):
    return _rows(_overdue(start, end), args, user, "step__due_at")


def approvals_done_rows(args, start, end, user):
    return _rows(_done(start, end), args, user, "decided_at")


def register() -> None:
    register_metric(
        "workflows.approvals_overdue",
        approvals_overdue,
        SUBJECT_ARGS,
        gettext_lazy("Approvals overdue"),
        approvals_overdue_rows,
        order=40,
    )
    register_metric(
        "workflows.approvals_done",
        approvals_done,
        SUBJECT_ARGS,
        gettext_lazy("Approval decisions made"),
        approvals_done_rows,
        order=41,
    )
