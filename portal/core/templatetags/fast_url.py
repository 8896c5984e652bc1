"""`{% url %}` without a `reverse()` per use for routes that take no argument (a template builtin, see
TEMPLATES in settings: it stands in for Django's tag in every template).

The layout alone links about twenty such routes per page (the home page, search, the account menu, the
navigation), and `reverse()` walks the URL resolver each time. A route without arguments always reverses to
the same path for a URLconf and a script prefix, so `portal.core.links.url_for_name` keeps it; routes with
arguments, `as` variables and unknown names go through Django's own node unchanged.
"""

from __future__ import annotations

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from portal.core.links import url_for_name

register = template.Library()


class NamedURLNode(defaulttags.URLNode):
    def render(self, context):
        name = self.view_name.resolve(context)
        try:
            url = url_for_name(name)
        except NoReverseMatch:
            return super().render(context)  # Django's answer: the error, or "" into an `as` variable
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    if node.args or node.kwargs:
        return node
    return NamedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
