"""`{% kb_tree_nodes tree current_id may_edit %}`: a space's page tree as nested lists, built in Python.

A space may hold thousands of pages; an `{% include %}` per page would take seconds, this takes milliseconds
(the markup is the same as a template would write: escaped titles, one `<li>` per page, its sub-pages in a
nested `<ul>`; static/knowledgebase/tree.js drags the `<li>`s of an editor).
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


def _folded(count: int, label: str) -> str:
    """The badge of a folded branch: how many sub-pages it hides (they open on the page itself); `label` is
    the translated "Sub-pages: %(count)s", looked up once per tree."""
    if not count:
        return ""
    title = escape(label % {"count": count})
    return f' <span class="badge text-bg-light border kb-tree-folded" title="{title}">+{count}</span>'


@register.simple_tag
def kb_tree_nodes(roots, current_id=None, may_edit=False) -> SafeString:
    if not roots:
        return mark_safe("")  # noqa: S308 - a constant
    # The URL of page 0, with the id swapped in per page (reverse() per page would be most of the cost).
    url = reverse("kb:page_detail", args=[0])
    head, tail = url.rsplit("/0/", 1)
    label = escape(gettext("draft"))
    folded_label = gettext("Sub-pages: %(count)s")
    draft = f' <span class="badge text-bg-warning">{label}</span>'
    grip = (
        '<i class="bi bi-grip-vertical kb-tree-grip text-body-tertiary" aria-hidden="true"></i>'
        if may_edit
        else ""
    )
    drag = ' draggable="true"' if may_edit else ""
    out: list[str] = []
    # An explicit stack instead of recursion: a deep tree must not hit Python's recursion limit.
    stack: list = [("close_ul", None), *[("node", n) for n in reversed(roots)]]
    # The layout is in kb.css (.kb-tree-level, .kb-tree-row, .kb-tree-link), not in utility classes repeated on
    # every row of a tree of hundreds; a reader's leaf has no empty list (an editor's is a place to drop into).
    out.append('<ul class="kb-tree-level" data-parent="">')
    while stack:
        kind, node = stack.pop()
        if kind == "close_ul":
            out.append("</ul>")
            continue
        if kind == "close_li":
            out.append("</li>")
            continue
        current = node.id == current_id
        link_class = "kb-tree-link" + (" fw-semibold active" if current else "")
        aria = ' aria-current="page"' if current else ""
        out.append(
            f'<li class="kb-tree-item" data-page="{node.id}"{drag}><div class="kb-tree-row">{grip}'
            f'<a class="{link_class}" href="{head}/{node.id}/{tail}"{aria}>{escape(node.title)}</a>'
            f"{draft if node.is_draft else ''}{_folded(node.folded, folded_label)}</div>"
        )
        stack.append(("close_li", None))
        if node.children or may_edit:
            out.append(f'<ul class="kb-tree-level" data-parent="{node.id}">')
            stack.append(("close_ul", None))
        stack.extend(("node", child) for child in reversed(node.children))
    return mark_safe("".join(out))  # noqa: S308 - every title is escaped above
