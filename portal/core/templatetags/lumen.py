"""Template helpers shared by every app."""

from django import template
from django.urls import reverse

from portal.core import search

register = template.Library()


@register.filter
def highlight(text, query):
    return search.highlight(str(text or ""), str(query or ""))


@register.inclusion_tag("core/partials/avatar.html")
def avatar(user, size=32):
    return {"person": user, "size": size, "font": max(10, int(size) // 3)}


@register.simple_tag(takes_context=True)
def active_nav(context, key):
    """'active' when the current page belongs to the navigation area `key`."""
    request = context.get("request")
    area = context.get("nav_area")
    if area:
        return "active" if area == key else ""
    if request is None:
        return ""
    prefixes = {"groups": reverse("groups:list"), "company": "/company/"}
    prefix = prefixes.get(key)
    return "active" if prefix and request.path.startswith(prefix) else ""


@register.simple_tag(takes_context=True)
def query_transform(context, **kwargs):
    """The current query string with some parameters replaced (for pagination and filter links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
