"""Template helpers shared by every app."""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext

from portal.core import search
from portal.core.links import url_for_pk

register = template.Library()


@register.filter
def highlight(text, query):
    return search.highlight(str(text or ""), str(query or ""))


# The box and font sizes static/lumen/lumen.css has a class for (.lumen-avatar-<px>, .lumen-avatar-font-<px>): the
# Content-Security-Policy refuses style attributes, so an initials avatar is sized by its classes.
AVATAR_SIZES = (16, 18, 20, 22, 24, 28, 32, 40, 48, 56, 64, 96, 128)
AVATAR_FONTS = (8, 9, 10, 12, 13, 16, 18, 21, 32, 42)


def avatar_context(person, size, font) -> dict:
    """An avatar's sizes: `size` px square, initials in `font` px (both to the nearest CSS class)."""
    size, font = int(size), int(font)
    box = min(AVATAR_SIZES, key=lambda s: (abs(s - size), s))
    letters = min(AVATAR_FONTS, key=lambda f: (abs(f - font), f))
    return {"person": person, "size": size, "size_class": f"lumen-avatar-{box} lumen-avatar-font-{letters}"}


def avatar_html(person, size, font):
    """A person's photo or initials, built in Python: avatars are on every row of every list, and a
    template render per avatar was a visible share of a list page's time."""
    data = avatar_context(person, size, font)
    if person.photo:
        return format_html(
            '<img src="{}" alt="" class="rounded-circle lumen-avatar" width="{}" height="{}">',
            person.photo_url,
            data["size"],
            data["size"],
        )
    return format_html(
        '<span class="rounded-circle lumen-avatar lumen-avatar-initials {}" aria-hidden="true">{}</span>',
        data["size_class"],
        person.initials,
    )


@register.simple_tag
def avatar(user, size=32):
    return avatar_html(user, size, max(10, int(size) // 3))


@register.simple_tag
def pk_url(viewname, pk):
    """`{% pk_url "stream:entry" entry.pk %}`: `{% url %}` for a route with one integer id, without a
    reverse() per link (portal.core.links)."""
    return url_for_pk(viewname, pk)


@register.simple_tag(takes_context=True)
def navigation_links(context):
    """The left navigation's links, built here in one pass rather than by the template per entry (a dozen
    entries, each with its active mark, its counter badge and a label to translate, were a good part of
    every page's layout). The markup is the one base.html had."""
    request = context.get("request")
    area = context.get("nav_area")
    path = request.path if request is not None else ""
    unavailable = escape(gettext("Not available yet"))
    parts = []
    for item in context.get("navigation") or ():
        key = escape(item["key"])
        icon = escape(item["icon"])
        label = escape(item["label"])
        if not item["url"]:
            parts.append(
                f'<span class="nav-link d-flex align-items-center gap-2 text-body-tertiary" title="{unavailable}" '
                f'data-nav="{key}" aria-disabled="true">'
                f'<i class="bi {icon}" aria-hidden="true"></i><span class="flex-grow-1">{label}</span></span>'
            )
            continue
        if area:
            active = area == item["key"]
        else:
            active = bool(request is not None and item.get("active_by_path") and path.startswith(item["url"]))
        counter = item["counter"]() or {}
        total = counter.get("total") or 0
        keys = escape(" ".join(counter.get("keys") or ()))
        parts.append(
            f'<a class="nav-link d-flex align-items-center gap-2 rounded{" active" if active else ""}" '
            f'href="{escape(item["url"])}" data-nav="{key}">'
            f'<i class="bi {icon}" aria-hidden="true"></i><span class="flex-grow-1">{label}</span>'
            f'<span class="badge rounded-pill text-bg-danger{"" if total else " d-none"}" data-counter-slot="{key}" '
            f'data-counter-keys="{keys}" aria-live="polite">{total or ""}</span></a>'
        )
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
def active_nav(context, key):
    """'active' when the current page belongs to the navigation area `key`."""
    request = context.get("request")
    area = context.get("nav_area")
    if area:
        return "active" if area == key else ""
    if request is None:
        return ""
    # Areas whose pages all live under their entry's URL say so when they register (`active_by_path`).
    entry = next((e for e in context.get("navigation") or () if e["key"] == key), None)
    prefix = entry["url"] if entry and entry.get("active_by_path") else None
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


# Under this, a moment is "just now" rather than "0 minutes ago".
JUST_NOW = datetime.timedelta(minutes=1)


def time_ago(value, now=None) -> str:
    """How long ago `value` was, for people: "just now" within the last minute (or a moment a little ahead
    of the server's clock), else "3 hours, 5 minutes ago"."""
    if not value:
        return ""
    now = now or timezone.now()
    try:
        if now - value < JUST_NOW:
            return gettext("just now")
        return gettext("%(time)s ago") % {"time": timesince(value, now)}
    except (TypeError, ValueError):
        return ""


@register.filter
def ago(value):
    """`{{ when|ago }}`: "just now" or "5 minutes ago" (see `time_ago`)."""
    return time_ago(value)


@register.simple_tag(takes_context=True)
def task_extensions(context, task, part="panel"):
    """`{% task_extensions task %}` on the task page, `{% task_extensions task "form" %}` in the task form:
    the parts other apps registered in `registry.task_extensions`, each rendered from its own context (an
    extension whose callable answers None shows nothing)."""
    from django.template.loader import render_to_string

    from portal.core.registry import registry

    request = context.get("request")
    html = []
    for extension in registry.task_extensions:
        compute = extension.panel if part == "panel" else extension.form
        name = extension.panel_template if part == "panel" else extension.form_template
        if compute is None or not name:
            continue
        data = compute(request, task)
        if data is None:
            continue
        html.append(render_to_string(name, {"data": data, "task": task, "extension": extension}, request))
    return mark_safe("".join(html))  # noqa: S308 (rendered templates, escaped by the template engine)


@register.filter
def formula_error(stored: str) -> str:
    """A formula result's error as stored (in the source language) in the reader's language."""
    from portal.core.metrics import formula_error_text

    return formula_error_text(stored)
