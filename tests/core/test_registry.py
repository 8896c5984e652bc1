"""Core's registry: typed sections, duplicate keys refused, ordered iteration, overrides for tests; and the
apps' registrations that replaced core's hard-coded navigation and top bar."""

from __future__ import annotations

import pytest

from portal.core.registry import (
    AlreadyRegistered,
    NavigationEntry,
    NotRegistered,
    Registry,
    SearchProvider,
    TopbarWidget,
    registry,
)


def _entry(key: str, order: int = 100, label: str = "") -> NavigationEntry:
    return NavigationEntry(key, label or key.title(), "bi-x", f"{key}:home", order=order)


@pytest.fixture
def reg() -> Registry:
    fresh = Registry()
    fresh.add_section("navigation", NavigationEntry)
    fresh.add_section("plain", TopbarWidget, ordered=False)
    return fresh


def test_a_section_holds_only_its_type(reg):
    with pytest.raises(TypeError, match="holds NavigationEntry items, not TopbarWidget"):
        reg.navigation.register(TopbarWidget("x", "x.html"))
    with pytest.raises(ValueError, match="non-empty string key"):
        reg.navigation.register(_entry(""))
    assert len(reg.navigation) == 0


def test_a_second_item_under_a_held_key_is_refused_with_a_clear_error(reg):
    first = reg.navigation.register(_entry("tasks", label="Tasks"))
    with pytest.raises(AlreadyRegistered, match=r"registry.navigation already holds 'tasks'"):
        reg.navigation.register(_entry("tasks", label="Other tasks"))
    assert reg.navigation["tasks"] is first
    # The same item again (a ready() run twice) is harmless; an explicit replace replaces.
    assert reg.navigation.register(_entry("tasks", label="Tasks")) is first
    other = reg.navigation.register(_entry("tasks", label="Other tasks"), replace=True)
    assert reg.navigation["tasks"] is other


def test_ordered_sections_iterate_by_order_then_key_others_by_registration(reg):
    for key, order in [("reports", 50), ("stream", 10), ("chat", 20), ("alpha", 50)]:
        reg.navigation.register(_entry(key, order))
    assert reg.navigation.keys() == ["stream", "chat", "alpha", "reports"]
    assert [e.key for e in reg.navigation] == ["stream", "chat", "alpha", "reports"]
    for key in ["b", "a", "c"]:
        reg.plain.register(TopbarWidget(key, f"{key}.html", order=-ord(key)))
    assert reg.plain.keys() == ["b", "a", "c"]


def test_lookup_and_unregister(reg):
    reg.navigation.register(_entry("tasks"))
    assert "tasks" in reg.navigation and reg.navigation.get("nope") is None
    with pytest.raises(NotRegistered):
        reg.navigation["nope"]
    reg.navigation.unregister("tasks")
    assert "tasks" not in reg.navigation
    reg.navigation.unregister("tasks")  # gone already: nothing to do
    with pytest.raises(NotRegistered):
        reg.navigation.unregister("tasks", missing_ok=False)


def test_section_names_are_unique_and_unknown_ones_fail_loudly(reg):
    with pytest.raises(AlreadyRegistered):
        reg.add_section("navigation", NavigationEntry)
    with pytest.raises(AttributeError, match="no section 'navigaton'"):
        reg.navigaton  # noqa: B018 - a typo must not pass silently
    assert reg["navigation"] is reg.navigation and reg.section_names() == ["navigation", "plain"]


def test_section_override_swaps_items_and_restores_everything(reg):
    reg.navigation.register(_entry("stream", 10))
    reg.navigation.register(_entry("chat", 20))
    with reg.navigation.override(
        _entry("chat", 5, label="Talk"), _entry("crm", 30), remove=["stream"]
    ) as nav:
        assert nav.keys() == ["chat", "crm"] and nav["chat"].label == "Talk"
    assert reg.navigation.keys() == ["stream", "chat"] and reg.navigation["chat"].label == "Chat"
    with reg.navigation.override(clear=True):
        assert len(reg.navigation) == 0
    assert len(reg.navigation) == 2


def test_registry_override_restores_every_section_even_after_an_error(reg):
    reg.navigation.register(_entry("stream"))
    with pytest.raises(RuntimeError), reg.override():
        reg.navigation.unregister("stream")
        reg.plain.register(TopbarWidget("bell", "bell.html"))
        raise RuntimeError
    assert reg.navigation.keys() == ["stream"] and len(reg.plain) == 0


def test_the_project_registry_has_the_extension_points_and_the_apps_fill_them():
    expected = {
        "counters",
        "search",
        "notification_kinds",
        "stream_entry_actions",
        "stream_entry_annotations",
        "chat_message_actions",
        "chat_message_annotations",
        "report_prefill",
        "report_task_sources",
        "dashboard_columns",
        "dashboard_counters",
        "digest_counters",
        "digest_sources",
        "control_touch_kinds",
        "absence_providers",
        "navigation",
        "topbar_widgets",
        "shell_context",
        "demo_seeders",
    }
    assert expected <= set(registry.section_names())
    assert registry.search["people"] == SearchProvider(
        "people", registry.search["people"].label, registry.search["people"].func, 10
    )
    assert {"stream", "chat", "groups", "company", "crm", "strategy"} <= set(registry.navigation.keys())
    # The apps that do not exist have no entry left behind.
    assert "knowledgebase" not in set(registry.navigation.keys())
    assert "notifications.bell" in registry.topbar_widgets
    assert "mention" in registry.notification_kinds and "notifications.unread" in registry.counters


def test_the_shell_shows_the_registered_navigation_in_order(client_for, user):
    page = client_for(user).get("/").content.decode()
    positions = [page.find(f'data-nav="{entry.key}"') for entry in registry.navigation]
    assert -1 not in positions and positions == sorted(positions)
    assert 'data-nav="crm"' in page and 'data-nav="strategy"' in page
    assert 'id="lumen-bell"' in page and 'id="bell-badge"' in page


def test_the_top_bar_and_navigation_are_what_is_registered(client_for, user):
    second_bell = TopbarWidget("test.bell", "notifications/partials/topbar_bell.html", order=1)
    entry = NavigationEntry("test-area", "Test area", "bi-star", "no-such-url:home", order=1)
    with registry.topbar_widgets.override(second_bell), registry.navigation.override(entry):
        page = client_for(user).get("/").content.decode()
    assert page.count('id="lumen-bell"') == 2
    # Not routed here: shown, but not a link; first, by its order.
    assert 'data-nav="test-area" aria-disabled="true"' in page
    assert page.find('data-nav="test-area"') < page.find('data-nav="stream"')
    with registry.topbar_widgets.override(clear=True):
        page = client_for(user).get("/").content.decode()
    assert 'id="lumen-bell"' not in page and 'data-nav="test-area"' not in page
