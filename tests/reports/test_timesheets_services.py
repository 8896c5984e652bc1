"""Confirming timesheets: who may (the person's supervisor up the tree, HR, admins; never the person), what is
stored (the totals as they were), re-confirming, withdrawing, audit rows and the person's notification."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from portal.notifications.models import Notification
from reports import selectors, services
from reports.models import TimesheetConfirmation
from tests.people.factories import UserFactory
from tests.reports.timesheets_support import MARCH, UTC, at, lay_berlin_march, lay_day, log_time

pytestmark = pytest.mark.django_db


def _audits(action: str):
    return AuditLog.objects.filter(action=action).order_by("id")


def test_supervisor_confirms_and_the_totals_are_stored(org):
    person = org.east_rep
    lay_berlin_march(person)
    confirmation = services.timesheet_confirm(actor=org.east_head, person=person, month="2026-03")
    assert confirmation.user == person and confirmation.month == MARCH
    assert confirmation.confirmed_by == org.east_head
    sheet = selectors.timesheet_person(user=org.east_head, person=person, month=MARCH)
    assert confirmation.totals == sheet.totals.as_dict()
    assert confirmation.totals["days_worked"] == 7 and confirmation.totals["late"] == 3
    assert sheet.confirmation == confirmation and not sheet.confirmation_outdated

    audit = _audits("timesheet.confirm").get()
    assert audit.actor == org.east_head and audit.target_id == str(confirmation.pk)
    assert audit.changes["totals"][1]["days_worked"] == 7
    note = Notification.objects.get(recipient=person, kind="timesheet_confirmed")
    assert "March 2026" in note.title and "month=2026-03" in note.url


def test_reconfirming_replaces_totals_and_confirmer(org):
    person = org.east_rep
    lay_day(person, datetime.date(2026, 3, 2), (9, 0), (18, 0), tz=UTC, paused=3600)
    first = services.timesheet_confirm(actor=org.east_head, person=person, month=MARCH)
    assert first.totals["worked_seconds"] == 8 * 3600

    lay_day(person, datetime.date(2026, 3, 3), (9, 0), (13, 0), tz=UTC, is_short=True)
    log_time(person, at(UTC, 2026, 3, 3, 14, 0), at(UTC, 2026, 3, 3, 15, 0))
    sheet = selectors.timesheet_person(user=org.sales_head, person=person, month=MARCH)
    assert sheet.confirmation_outdated  # the month changed after the confirmation

    second = services.timesheet_confirm(actor=org.sales_head, person=person, month="2026-03")
    assert second.pk == first.pk and TimesheetConfirmation.objects.count() == 1
    second.refresh_from_db()
    assert second.confirmed_by == org.sales_head and second.confirmed_at >= first.confirmed_at
    assert second.totals["worked_seconds"] == 12 * 3600 and second.totals["short"] == 1
    assert second.totals["task_seconds"] == 3600
    audit = _audits("timesheet.reconfirm").get()
    before, after = audit.changes["totals"]
    assert before["worked_seconds"] == 8 * 3600 and after["worked_seconds"] == 12 * 3600
    assert not selectors.timesheet_person(
        user=org.sales_head, person=person, month=MARCH
    ).confirmation_outdated


def test_withdrawing_a_confirmation(org):
    person = org.east_rep
    services.timesheet_confirm(actor=org.admin, person=person, month=MARCH)
    services.timesheet_unconfirm(actor=org.east_head, person=person, month="2026-03")
    assert not TimesheetConfirmation.objects.exists()
    assert _audits("timesheet.unconfirm").get().actor == org.east_head
    assert Notification.objects.filter(recipient=person, kind="timesheet_confirmed").count() == 2
    with pytest.raises(ValidationError) as exc:
        services.timesheet_unconfirm(actor=org.east_head, person=person, month=MARCH)
    assert "month" in exc.value.message_dict


def test_nobody_confirms_their_own_timesheet(org):
    for actor in (org.east_rep, org.east_head, org.admin):
        with pytest.raises(PermissionDenied):
            services.timesheet_confirm(actor=actor, person=actor, month=MARCH)
    assert not TimesheetConfirmation.objects.exists()


def test_colleagues_and_lower_heads_get_403_hidden_people_404(org):
    # field_rep heads nothing: the timesheet of a colleague is hidden from them (404).
    with pytest.raises(NotFound):
        services.timesheet_confirm(actor=org.field_rep, person=org.east_rep, month=MARCH)
    with pytest.raises(NotFound):
        services.timesheet_confirm(actor=org.it_head, person=org.east_rep, month=MARCH)
    # The head of East does not supervise the head of Sales: hidden, 404.
    with pytest.raises(NotFound):
        services.timesheet_confirm(actor=org.east_head, person=org.sales_head, month=MARCH)
    with pytest.raises(NotFound):
        services.timesheet_unconfirm(actor=org.developer, person=org.east_rep, month=MARCH)
    assert not TimesheetConfirmation.objects.exists()


def test_hr_confirms_anyone(org):
    hr = UserFactory(department=org.it)
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    hr = type(hr).objects.get(pk=hr.pk)
    confirmation = services.timesheet_confirm(actor=hr, person=org.ceo, month=MARCH)
    assert confirmation.confirmed_by == hr


def test_a_month_not_begun_and_a_bad_month_change_nothing(org):
    person = org.east_rep
    with pytest.raises(ValidationError) as exc:
        services.timesheet_confirm(actor=org.east_head, person=person, month="2999-01")
    assert "month" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.timesheet_confirm(actor=org.east_head, person=person, month="soon")
    assert "month" in exc.value.message_dict
    assert not TimesheetConfirmation.objects.exists()
    assert not _audits("timesheet.confirm").exists()
    # The current month may be confirmed (e.g. on its last day).
    assert services.timesheet_confirm(actor=org.east_head, person=person, month=None).month == (
        selectors.timesheet_month(None, user=person)
    )


def test_anonymous_and_inactive_actors_are_refused(org):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.timesheet_confirm(actor=AnonymousUser(), person=org.east_rep, month=MARCH)
    org.east_head.is_active = False
    with pytest.raises(PermissionDenied):
        services.timesheet_confirm(actor=org.east_head, person=org.east_rep, month=MARCH)


def test_the_month_inside_a_russian_notification_is_lower_case(org):
    """ "Ваш табель за март 2026 г.": inside a sentence the Russian month is not capitalised."""
    person = org.east_rep
    type(person).objects.filter(pk=person.pk).update(language="ru", time_zone="Europe/Moscow")
    services.timesheet_confirm(actor=org.east_head, person=person, month="2026-03")
    confirmed = Notification.objects.get(recipient=person, kind="timesheet_confirmed")
    assert confirmed.title == "Ваш табель за март 2026 г. подтверждён"
    services.timesheet_unconfirm(actor=org.east_head, person=person, month="2026-03")
    withdrawn = Notification.objects.filter(recipient=person, kind="timesheet_confirmed").latest("id")
    assert withdrawn.title == "Подтверждение вашего табеля за март 2026 г. отозвано"
    assert "Март" not in confirmed.title + withdrawn.title
