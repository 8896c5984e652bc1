"""Django admin of the workflows app: every model is there; a process's history and a template's versions are
read-only (they are written by the services)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.workflows.choices import ActionKind, ProcessStatus
from portal.workflows.models import Process, ProcessAction, ProcessStep, ProcessTemplate, StepAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(org):
    payment = ProcessTemplate.objects.get(key="payment")
    process = Process.objects.create(
        template=payment,
        version=payment.current_version,
        kind=payment.kind,
        title="Pay the rent",
        requester=org.east_rep,
        status=ProcessStatus.RUNNING,
        submitted_at=timezone.now(),
    )
    step = ProcessStep.objects.create(process=process, round=1, index=0, key="supervisor", name="Supervisor")
    StepAssignment.objects.create(step=step, user=org.sales_head)
    ProcessAction.objects.create(process=process, actor=org.east_rep, kind=ActionKind.START)
    return process


def test_every_model_is_registered():
    models = set(apps.get_app_config("workflows").get_models())
    assert models - set(admin.site._registry) == set()


def test_the_lists_and_the_pages_open(org, process):
    client = Client()
    client.force_login(org.admin)
    for model in apps.get_app_config("workflows").get_models():
        url = reverse(f"admin:workflows_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    for obj in (process, process.template, process.template.current_version, process.actions.get()):
        url = reverse(f"admin:workflows_{obj._meta.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200, url


def test_history_and_versions_are_read_only(org, process):
    site = admin.site
    request = type("Request", (), {"user": org.admin})()
    for model in (Process, ProcessAction, ProcessStep, StepAssignment):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, None)
        assert not model_admin.has_delete_permission(request, None)
    version = process.template.current_version
    client = Client()
    client.force_login(org.admin)
    url = reverse("admin:workflows_templateversion_change", args=[version.pk])
    client.post(url, {"number": 9, "comment": "forged"})
    version.refresh_from_db()
    assert (version.number, version.comment) == (1, "")
