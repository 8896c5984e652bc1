"""The CRM in the control pages: its counters (the navigation badge sums the "crm" area), the control
dashboard's columns per subordinate, the digests' lines (the dashboard's counter columns are reported by the
digests too) and the work report's pre-fill (the CRM activities completed that day)."""

from __future__ import annotations

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from .. import counters

# key -> (label, order) of the navigation's counters.
COUNTERS = {
    counters.ACTIVITIES_OVERDUE: (_("My overdue CRM activities"), 40),
    counters.LEADS_UNTAKEN: (_("New leads waiting to be taken in work"), 41),
    counters.LEADS_NO_ACTIVITY: (_("My leads without an activity"), 42),
    counters.DEALS_IDLE: (_("My idle deals"), 43),
}

# The lists behind the dashboard's cells: route, and the filter that shows what the cell counts.
_LIST_LINKS: dict[tuple, str] = {}


def _list_url(route: str, flag: str, user_id: int) -> str:
    key = (route, flag, get_script_prefix(), get_urlconf())
    prefix = _LIST_LINKS.get(key)
    if prefix is None:
        try:
            prefix = _LIST_LINKS[key] = f"{reverse(route)}?{flag}=1&responsible="
        except NoReverseMatch:  # the list page is not routed: the cell links nowhere
            return ""
    return f"{prefix}{int(user_id)}"


def _forget_links(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _LIST_LINKS.clear()


setting_changed.connect(_forget_links, dispatch_uid="crm.registrations.control.forget_links")


def overdue_url(user_id: int) -> str:
    return _list_url("crm:activity_list", "overdue", user_id)


def idle_url(user_id: int) -> str:
    return _list_url("crm:deal_list", "idle", user_id)


def untaken_url(user_id: int) -> str:
    return _list_url("crm:lead_list", "untaken", user_id)


_SEES = _(
    "The list behind a cell shows only the records your CRM role lets you see: give heads a role reaching "
    "their departments (e.g. “Head of department”)."
)


def _help(text) -> str:
    from django.utils.text import format_lazy

    return format_lazy("{} {}", text, _SEES)


def dashboard_counters():
    from portal.core.registry import DashboardCounter

    return (
        DashboardCounter(
            counters.ACTIVITIES_OVERDUE,
            _("Overdue CRM activities"),
            amber_at=1,
            red_at=5,
            url=overdue_url,
            detail=_detail("crm:control_activities"),
            order=80,
            column="crm_activities_overdue",
            help_text=_help(_("Open calls, meetings and to-dos of the person past their deadline.")),
        ),
        DashboardCounter(
            counters.DEALS_IDLE,
            _("Idle deals"),
            amber_at=1,
            red_at=5,
            url=idle_url,
            detail=_detail("crm:control_deals"),
            order=81,
            column="crm_deals_idle",
            help_text=_help(
                _("Open deals of the person without an activity for longer than their pipeline allows.")
            ),
        ),
        DashboardCounter(
            counters.LEADS_UNTAKEN,
            _("Leads waiting"),
            amber_at=1,
            red_at=3,
            url=untaken_url,
            detail=_detail("crm:control_leads"),
            order=82,
            column="crm_leads_untaken",
            help_text=_help(
                _("New leads of the person not taken in work within the time the CRM settings allow.")
            ),
        ),
    )


def _prefill(user, start_at, end_at) -> list[dict]:
    from ..selectors.control import activities_done

    return activities_done(user=user, start_at=start_at, end_at=end_at)


def _prefill_visible(reader, ids) -> list[int]:
    from ..selectors.control import activities_visible

    return activities_visible(reader, ids)


def _prefill_url(pk) -> str:
    from ..selectors.control import activity_url

    return activity_url(pk)


def register() -> None:
    from portal.core.registry import PrefillSource, registry
    from portal.notifications.counters import register_counter

    for key, (label, order) in COUNTERS.items():
        register_counter(key, label=label, area="crm", compute=counters.COMPUTE[key], order=order)
    for counter in dashboard_counters():
        registry.dashboard_counters.register(counter)
    registry.report_prefill.register(
        PrefillSource(
            "crm",
            _("CRM activities"),
            _prefill,
            visible=_prefill_visible,
            order=30,
            url=_prefill_url,
        )
    )


def _detail(route: str):
    """user id -> the URL of the cell's fragment (crm/views/control.py), from a cached URL."""
    from portal.core.links import url_for_pk

    return lambda user_id: url_for_pk(route, user_id)
