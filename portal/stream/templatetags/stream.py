"""Template helpers of the stream: texts with mentions, event entries, poll results."""

from django import template
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

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


# The fixed words of a feed card. A page shows 20 cards with several comments each, and a `{% translate %}`
# per word and per card was a visible share of the page's time: the words are translated once per language
# and process (they are the same for everybody), and a card reads them as `{{ L.key }}`.
CARD_LABELS = {
    "actions": gettext_noop("Actions"),
    "ago": gettext_noop("ago"),
    "cancel": gettext_noop("cancel"),
    "comment": gettext_noop("Comment"),
    "confirmed": gettext_noop("You have confirmed reading this."),
    "delete": gettext_noop("Delete"),
    "delete_comment": gettext_noop("Delete this comment?"),
    "delete_post": gettext_noop("Delete this post?"),
    "edit": gettext_noop("Edit"),
    "edited": gettext_noop("edited"),
    "everyone": gettext_noop("Everyone"),
    "i_have_read": gettext_noop("I have read it"),
    "important": gettext_noop("Important"),
    "like": gettext_noop("Like"),
    "readers": gettext_noop("Who has read it"),
    "readers_all": gettext_noop("See who has and has not read it"),
    "reply": gettext_noop("Reply"),
    "replying_to": gettext_noop("Replying to"),
    "send": gettext_noop("Send"),
    "write_comment": gettext_noop("Write a comment…"),
}
_labels_by_language: dict[str | None, dict[str, str]] = {}


@register.simple_tag
def stream_labels() -> dict[str, str]:
    """`{% stream_labels as L %}`: the card's fixed words in the active language."""
    language = get_language()
    labels = _labels_by_language.get(language)
    if labels is None:
        labels = _labels_by_language[language] = {key: gettext(text) for key, text in CARD_LABELS.items()}
    return labels
