"""Fixtures of the stream tests: groups around the `org` company and a notification recorder."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.groups.factories import MembershipFactory, WorkgroupFactory


@pytest.fixture
def groups(org):
    """`team`: an open group with east_rep and sales_head; `secret`: a secret group of it_head only."""
    team = WorkgroupFactory(name="Website relaunch", visibility="open")
    MembershipFactory(group=team, user=org.east_rep, role="owner")
    MembershipFactory(group=team, user=org.sales_head)
    secret = WorkgroupFactory(name="Board", visibility="secret")
    MembershipFactory(group=secret, user=org.it_head, role="owner")
    return SimpleNamespace(team=team, secret=secret)


@pytest.fixture
def notified(monkeypatch):
    """Records what the stream hands to the notifications app: a list of dicts (kind, recipients...)."""
    calls: list[dict] = []

    def record(**kwargs):
        kwargs["recipients"] = sorted(int(getattr(r, "pk", r)) for r in kwargs["recipients"])
        calls.append(kwargs)

    monkeypatch.setattr("portal.stream.services.notices.notify", record)
    return calls


def kinds(calls, kind):
    return [c for c in calls if c["kind"] == kind]
