"""`{% strategy_map_svg nodes edges width height %}`: the strategy map's picture, written in Python.

A map draws up to `MAP_LIMIT` goals with their projects and indicators: a thousand nodes, each with a dozen
coordinates. Through template variables every number went through the locale's number formatting (most of the
page's time, and a decimal comma or a thousands separator is no SVG coordinate); here each is a plain integer
and every text is escaped.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import truncatechars
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..selectors.goals import NODE_H, NODE_W

register = template.Library()


@register.simple_tag
def strategy_map_svg(nodes, edges, width: int, height: int) -> SafeString:
    w, h = int(width), int(height)
    project, indicator = escape(gettext("Project")), escape(gettext("Indicator"))
    label = escape(gettext("Strategy map"))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"'
        f' aria-label="{label}">',
        '<g class="strategy-map-edges">',
    ]
    for x1, y1, x2, y2 in edges:
        x1, y1, x2, y2 = int(x1), int(y1), int(x2), int(y2)
        out.append(f'<path d="M{x1},{y1} C{x1 + 30},{y1} {x2 - 30},{y2} {x2},{y2}"/>')
    out.append("</g>")
    for node in nodes:
        x, y = int(node.x), int(node.y)
        kind = escape(node.kind)
        if node.kind == "goal":
            meta = f"{escape(node.meta)} · {int(node.progress or 0)}%"
        elif node.kind == "project":
            meta = f"{project} · {escape(node.meta)}"
        else:
            meta = indicator
        out.append(
            f'<a href="{escape(node.url)}" class="strategy-node strategy-node-{kind}'
            f' strategy-rag-{escape(node.status or "none")}" data-kind="{kind}" data-id="{int(node.id)}">'
            f"<title>{escape(node.title)}</title>"
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8"/>'
            f'<rect class="strategy-node-mark" x="{x}" y="{y}" width="6" height="{NODE_H}" rx="3"/>'
            f'<text x="{x + 14}" y="{y + 22}" class="strategy-node-title">{escape(truncatechars(node.title, 25))}</text>'
            f'<text x="{x + 14}" y="{y + 42}" class="strategy-node-meta">{meta}</text></a>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text and attribute is escaped above
