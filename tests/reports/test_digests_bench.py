"""`manage.py bench_digests`: it seeds, builds every due digest as the worker does, reports the figures and
leaves the database as it was."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from portal.people.models import User
from reports.models import Digest
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_bench_builds_every_digest_and_rolls_back():
    out = io.StringIO()

    call_command("bench_digests", employees=60, supervisors=6, personal=0.5, json=True, stdout=out)

    figures = json.loads(out.getvalue())
    assert figures["seeded"]["supervisors"] == 6
    assert figures["supervisor"]["count"] == 6
    assert figures["built"] == figures["due"] == 6 + figures["seeded"]["personal"]
    assert figures["supervisor"]["largest_people"] == 59
    # (25 before the approvals' two digest lines, the company calendar and who is away: 29)
    assert 0 < figures["supervisor"]["queries_min"] <= figures["supervisor"]["queries_max"] <= 30
    assert figures["due_queries"] == 6  # heads, switches, schedules (2), the company calendar, digests built
    assert not User.objects.exists()
    assert not Digest.objects.exists()


def test_bench_prints_a_readable_report():
    out = io.StringIO()
    call_command("bench_digests", employees=20, supervisors=2, stdout=out)
    text = out.getvalue()
    assert "Built " in text and "queries per digest" in text


def test_bench_refuses_a_database_with_real_people():
    UserFactory()
    with pytest.raises(CommandError):
        call_command("bench_digests", employees=20, supervisors=2, stdout=io.StringIO())
