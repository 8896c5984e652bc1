"""Shared helpers of the tests on what a viewer may learn about tasks: page clients, fresh reads, history rows."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from portal.core.models import AuditLog
from tasks.choices import TaskStatus
from tasks.models import Task

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
S = TaskStatus


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, name: str, *args, **params) -> str:
    response = page_client(user).get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def fresh(task) -> Task:
    return Task.objects.get(pk=task.pk)


def history_of(task) -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(target_type=ContentType.objects.get_for_model(Task), target_id=str(task.pk))
    )
