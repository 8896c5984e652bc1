"""Django admin for reports: every page renders for an admin, records are read-only, schedules are deleted
through the service, and employees are kept out."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from reports import services
from reports.models import (
    ControlCheck,
    ControlTime,
    DayCorrection,
    Digest,
    DigestPreference,
    ReportSettings,
    TimesheetConfirmation,
    WorkDay,
    WorkReport,
    WorkSchedule,
)
from tests.reports.factories import WorkDayFactory, WorkReportFactory, WorkScheduleFactory

pytestmark = pytest.mark.django_db

MODELS = [
    WorkSchedule,
    ReportSettings,
    WorkDay,
    DayCorrection,
    WorkReport,
    TimesheetConfirmation,
    ControlCheck,
    ControlTime,
    DigestPreference,
    Digest,
]


@pytest.fixture
def admin_client(org):
    client = Client()
    client.force_login(org.admin)
    return client


def _url(model, view, *args):
    return reverse(f"admin:reports_{model._meta.model_name}_{view}", args=args)


def test_every_changelist_renders_and_nothing_is_added_by_hand(admin_client, org):
    day = WorkDayFactory(user=org.east_rep)
    report = WorkReportFactory(author=org.east_rep)
    for model in MODELS:
        assert admin_client.get(_url(model, "changelist")).status_code == 200, model
        assert admin_client.get(_url(model, "add")).status_code == 403, model
    assert admin_client.get(_url(WorkDay, "change", day.pk)).status_code == 200
    assert admin_client.get(_url(WorkReport, "change", report.pk)).status_code == 200


def test_deleting_a_schedule_goes_through_the_service(admin_client, org, monkeypatch):
    schedule = WorkScheduleFactory(department=org.east, start=datetime.time(8, 0))
    calls = []
    real = services.schedule_delete

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "schedule_delete", spy)
    response = admin_client.post(_url(WorkSchedule, "delete", schedule.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not WorkSchedule.objects.filter(pk=schedule.pk).exists()
    assert calls and calls[0]["actor"] == org.admin


def test_employees_cannot_open_the_reports_admin(org):
    client = Client()
    client.force_login(org.east_rep)
    response = client.get(_url(WorkReport, "changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
