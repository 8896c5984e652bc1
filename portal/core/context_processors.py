"""Values every page needs: what the apps put into the shell (the portal's name, live counters...), the left
navigation and the top-bar widgets, all read from core's registry: core itself names no app."""

from django.urls import NoReverseMatch

from portal.core.links import url_for_name
from portal.core.registry import registry


def _no_counters() -> dict:
    return {}


def portal(request):
    context: dict = {"portal_name": "Lumen", "counter_areas": _no_counters}
    for provider in registry.shell_context:
        context.update(provider.func(request))
    # `counter_areas` is a memoised callable (an app's shell context supplies it): templates call it lazily,
    # so pages without the shell (htmx partials) pay no query.
    counter_areas = context["counter_areas"]
    nav = []
    for entry in registry.navigation:
        try:
            url = url_for_name(entry.url_name)
        except NoReverseMatch:
            url = None  # the area is not routed here: shown, but not a link
        counter = lambda area=entry.area: counter_areas().get(area)  # noqa: E731
        nav.append(
            {
                "key": entry.key,
                "label": entry.label,
                "icon": entry.icon,
                "url": url,
                "counter": counter,
                "active_by_path": entry.active_by_path,
            }
        )
    context["navigation"] = nav
    context["topbar_widgets"] = registry.topbar_widgets.items()
    return context
