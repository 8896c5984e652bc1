"""Reads of tasks that the pages lean on: the role-tab counts."""

from __future__ import annotations

import pytest

from tasks import selectors, services
from tasks.selectors import tasks as task_selectors

pytestmark = pytest.mark.django_db


def test_role_counts_are_one_query_and_count_each_role(org, django_assert_num_queries):
    services.task_create(
        actor=org.sales_head, title="a", responsible=org.sales_rep, participants=[org.east_rep]
    )
    services.task_create(actor=org.sales_rep, title="b", responsible=org.sales_rep, observers=[org.east_rep])
    services.task_create(actor=org.sales_rep, title="c", responsible=org.east_rep)
    done = services.task_create(actor=org.sales_rep, title="d", responsible=org.sales_rep)
    services.task_transition(actor=org.sales_rep, task=done, action="complete")
    with django_assert_num_queries(2):  # the headed department (visibility), then the counts
        counts = selectors.task_role_counts(user=org.sales_rep)
    assert counts == {"do": 2, "help": 0, "set": 1, "observe": 0, "all": 3}
    assert selectors.task_role_counts(user=org.east_rep) == {
        "do": 1,
        "help": 1,
        "set": 0,
        "observe": 1,
        "all": 3,
    }
    # The head of Sales sees every task of Sales people, but sets only one of them.
    assert selectors.task_role_counts(user=org.sales_head) == {
        "do": 0,
        "help": 0,
        "set": 1,
        "observe": 0,
        "all": 3,
    }


def test_the_all_count_stops_at_the_cap(org, monkeypatch):
    for title in ("a", "b", "c"):
        services.task_create(actor=org.sales_rep, title=title, responsible=org.sales_rep)
    monkeypatch.setattr(task_selectors, "ROLE_COUNT_CAP", 2)
    assert selectors.task_role_counts(user=org.sales_rep)["all"] == 3  # cap + 1: "2+" on the page
    monkeypatch.setattr(task_selectors, "ROLE_COUNT_CAP", 1)
    assert selectors.task_role_counts(user=org.sales_rep)["all"] == 2


def test_the_tabs_keep_the_all_count_per_person_and_recount_when_a_role_count_moves(
    org, django_assert_num_queries
):
    services.task_create(actor=org.sales_rep, title="a", responsible=org.sales_rep)
    first = selectors.task_tab_counts(user=org.sales_rep)
    assert first == selectors.task_role_counts(user=org.sales_rep)
    with django_assert_num_queries(1):  # the four role counts; "all" comes from the cache
        assert selectors.task_tab_counts(user=org.sales_rep) == first
    # Another person's count is their own, never the cached one of a colleague.
    assert selectors.task_tab_counts(user=org.east_rep) == selectors.task_role_counts(user=org.east_rep)
    # A task the person does moves "do": the capped "all" count is counted again at once.
    services.task_create(actor=org.sales_head, title="b", responsible=org.sales_rep)
    assert selectors.task_tab_counts(user=org.sales_rep) == {
        **first,
        "do": first["do"] + 1,
        "all": first["all"] + 1,
    }
