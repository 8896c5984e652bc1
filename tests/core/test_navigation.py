"""The left navigation, built in Python (`{% navigation_links %}`): the current area marked, badges from the
counters, an area that is not routed shown but not linked, and every label escaped."""

from __future__ import annotations

from django.template import engines
from django.test import RequestFactory


def _nav(path="/", nav_area=None, counters=None, **extra) -> str:
    entries = [
        {"key": "tasks", "label": "Tasks", "icon": "bi-check2", "url": "/tasks/", "active_by_path": True},
        {"key": "crm", "label": "<CRM>", "icon": "bi-briefcase", "url": "/crm/", "active_by_path": False},
        {"key": "wiki", "label": "Wiki", "icon": "bi-book", "url": None, "active_by_path": False},
    ]
    counters = counters or {}
    for entry in entries:
        entry["counter"] = lambda key=entry["key"]: counters.get(key)
    template = engines["django"].from_string("{% load lumen %}{% navigation_links %}")
    request = RequestFactory().get(path)  # in the context, without the context processors (no database)
    return template.render({"navigation": entries, "nav_area": nav_area, "request": request, **extra})


def test_the_area_under_its_url_or_named_by_the_page_is_active():
    assert 'rounded active" href="/tasks/" data-nav="tasks"' in _nav("/tasks/12/")
    assert "active" not in _nav("/crm/deals/")  # the CRM does not claim its paths
    page = _nav("/anything/", nav_area="crm")
    assert 'rounded active" href="/crm/" data-nav="crm"' in page
    assert 'rounded" href="/tasks/"' in page


def test_badges_carry_the_total_and_the_counter_keys():
    page = _nav(counters={"tasks": {"total": 3, "keys": ["tasks_do", "tasks_control"]}})
    assert (
        '<span class="badge rounded-pill text-bg-danger" data-counter-slot="tasks" '
        'data-counter-keys="tasks_do tasks_control" aria-live="polite">3</span>'
    ) in page
    assert (
        'text-bg-danger d-none" data-counter-slot="crm" data-counter-keys="" aria-live="polite"></span>'
        in page
    )


def test_an_area_without_a_route_is_shown_but_not_linked_and_labels_are_escaped():
    page = _nav()
    assert 'data-nav="wiki" aria-disabled="true"' in page
    assert 'href="None"' not in page
    assert "&lt;CRM&gt;" in page and "<CRM>" not in page
