"""The one route the feeds add (tasks:responsible_away, the task form's warning) as every role: anyone signed
in may ask about the people they may pick (absences are visible to every active employee), anonymous visitors
go to the login page, it only reads (POST is refused). Its row in the tasks matrix keeps the tasks' route
coverage whole (tests/tasks/test_permissions_pages.py)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from portal.core.registry import AbsenceProvider, registry
from tasks.models import Task
from tests.utils import ROLES, Endpoint, assert_matrix, client_as, rows

pytestmark = pytest.mark.django_db


def feeds_away_provider(*, user_ids, start, end):
    """Everybody asked about is on vacation for ever (a fake provider)."""
    return {
        user_id: {start + datetime.timedelta(days=n): "Vacation" for n in range((end - start).days + 1)}
        for user_id in user_ids
    }


@pytest.fixture
def feeds_provider():
    with registry.absence_providers.override(
        AbsenceProvider("feeds.always", feeds_away_provider), clear=True
    ):
        yield


def test_the_away_warning_as_every_role(org, roles, feeds_provider):
    url = f"{reverse('tasks:responsible_away')}?responsible={org.field_rep.pk}"
    login = {role: 302 if role == "anonymous" else 200 for role in ROLES}
    assert_matrix(
        roles,
        [
            Endpoint("away warning", "GET", url, login),
            Endpoint(
                "away warning by POST",
                "POST",
                url,
                {role: 302 if role == "anonymous" else 405 for role in ROLES},
                {},
                "form",
                changed=rows(Task),  # nothing is written
            ),
        ],
    )
    for role, user in roles.items():
        body = client_as(user).get(url).content.decode()
        assert (f'data-away="{org.field_rep.pk}"' in body) is (user is not None), role
