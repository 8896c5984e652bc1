"""Template helpers of day corrections: `{% corrections_waiting as n %}`, how many corrections wait for the
signed-in person's decision (the count on the control dashboard's "Corrections" button)."""

from django import template

from ..selectors.corrections import corrections_to_decide_total

register = template.Library()


@register.simple_tag(takes_context=True)
def corrections_waiting(context) -> int:
    """The corrections waiting for the signed-in person's decision (one query; 0 for anonymous visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return corrections_to_decide_total(viewer=user)
