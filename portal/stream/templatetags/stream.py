"""Template helpers of the stream: texts with mentions, event entries, poll results."""

from django import template
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from portal.stream import mentions

register = template.Library()


@register.filter
def stream_text(text):
    """Escaped text with mentions as profile links and paragraphs."""
    return mentions.render(str(text or ""))


@register.simple_tag(takes_context=True)
def render_event(context, entry):
    """An event entry through the template its publisher chose (the context is stored with the entry)."""
    data = dict(entry.context or {})
    values = {
        **data,
        "entry": entry,
        "actor": entry.author,
        "context": data,
        "target_url": data.get("target_url", ""),
        "target_repr": data.get("target_repr", ""),
    }
    try:
        return get_template(entry.template).render(values, context.get("request"))
    except template.TemplateDoesNotExist:
        return mark_safe(f"<p>{escape(entry.verb)}</p>")  # noqa: S308 - escaped


@register.filter
def percent(part, whole):
    try:
        return round(100 * int(part) / int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0


@register.filter
def audience_label(entry):
    """ "Everyone", or the names of the departments, groups and people the entry is for."""
    if entry.audience_everyone:
        return ""
    return ", ".join(str(row.target) for row in entry.audience.all())
