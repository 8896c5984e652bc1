"""Reads of pages, already permission-filtered: one page, a space's whole tree (one query), breadcrumbs (one
recursive query), recent changes and the filtered list the page and the API share."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from portal.core.errors import NotFound

from ..choices import PageStatus
from ..models import Page, PageFile, Space

MAX_DEPTH = 200  # a guard for the recursive query; the services refuse cycles


def page_list(*, user, filters: dict | None = None, space: Space | None = None) -> QuerySet[Page]:
    """The pages `user` may read, filtered by the shared FilterSet (`knowledgebase.filters.pages`), newest
    change first."""
    from ..filters.pages import PageFilterSet, filter_data

    qs = Page.objects.visible_to(user)
    if space is not None:
        qs = qs.filter(space=space)
    if filters is not None:
        filterset = PageFilterSet(filter_data(filters), queryset=qs)
        qs = filterset.qs if filterset.is_valid() else qs.none()
    return (
        qs.select_related("space", "updated_by", "created_by", "responsible")
        .defer("body")
        .order_by("-updated_at", "-id")
    )


def page_get(*, user, pk) -> Page:
    """One page `user` may read, with its space; `NotFound` for hidden and missing alike."""
    try:
        return (
            Page.objects.visible_to(user)
            .select_related("space", "space__responsible", "responsible", "created_by", "updated_by")
            .get(pk=pk)
        )
    except (Page.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise NotFound("No page matches the given query.") from exc


def page_files(*, user, page: Page) -> QuerySet[PageFile]:
    """The files of a page `user` reads (`page_get` gave it): a page's readers see all its files, so no rights
    are compiled again."""
    return PageFile.objects.filter(page=page).order_by("created_at", "id")


def recent_pages(*, user, limit: int = 10) -> QuerySet[Page]:
    """The pages changed last, among those `user` reads (one query)."""
    return (
        Page.objects.visible_to(user)
        .filter(status=PageStatus.PUBLISHED)
        .select_related("space", "updated_by")
        .defer("body")
        .order_by("-updated_at", "-id")[:limit]
    )


@dataclass
class TreeNode:
    id: int
    title: str
    parent_id: int | None
    position: int
    status: str
    children: list[TreeNode] = field(default_factory=list)
    depth: int = 0
    folded: int = 0  # sub-pages not shown (a big space's tree shows only some branches)

    @property
    def is_draft(self) -> bool:
        return self.status == PageStatus.DRAFT


def space_tree(*, user, space: Space) -> list[TreeNode]:
    """The space's pages `user` may read as a tree of `TreeNode` (roots first, each level by position): ONE
    query whatever the size (id, parent, title, position and status only). A page whose parent the reader
    may not see (someone else's draft) is shown at the top level. `space` is one the caller found `user` reads
    (through `Space.objects.visible_to` or a readable page)."""
    rows = (
        Page.objects.visible_in_read_space(user, space)  # `space` was read through its rights
        .order_by("position", "id")
        .values_list("id", "title", "parent_id", "position", "status")
    )
    nodes = {row[0]: TreeNode(*row) for row in rows}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        (parent.children if parent is not None else roots).append(node)
    stack = [(root, 0) for root in roots]
    while stack:  # depths without recursion: a deep tree must not hit Python's recursion limit
        node, depth = stack.pop()
        node.depth = depth
        stack.extend((child, depth + 1) for child in node.children)
    return roots


PRUNE_ABOVE = 300  # pages; a bigger space's page view shows the path to the page, not the whole tree


def tree_around(roots: list[TreeNode], page_id: int | None, *, limit: int = PRUNE_ABOVE) -> list[TreeNode]:
    """The tree as a page's view shows it: whole for a space of up to `limit` pages; for a bigger one, the top
    level, the page's ancestors with their children (the page's siblings among them) and the page's own
    children, every other branch folded (`folded` says how many sub-pages it hides; they are one click away,
    on that page). Without a page (the space's own page), only the top level. Built from the nodes
    `space_tree` read, so it costs no query."""
    flat = tree_flat(roots)
    if len(flat) <= limit:
        return roots
    by_id = {node.id: node for node in flat}
    path: list[int] = []  # the page and its ancestors, the root first
    node = by_id.get(page_id)
    while node is not None:
        path.insert(0, node.id)
        node = by_id.get(node.parent_id) if node.parent_id else None
    copies: dict[int, TreeNode] = {}

    def clone(node: TreeNode) -> TreeNode:
        copies[node.id] = TreeNode(
            node.id,
            node.title,
            node.parent_id,
            node.position,
            node.status,
            [],
            node.depth,
            len(node.children),
        )
        return copies[node.id]

    pruned = [clone(root) for root in roots]
    for kept in path:  # each one's copy exists: its parent, earlier on the path, was unfolded
        copies[kept].children = [clone(child) for child in by_id[kept].children]
        copies[kept].folded = 0
    return pruned


def space_top_level(*, user, space: Space, limit: int = PRUNE_ABOVE) -> list[TreeNode]:
    """The tree of a space's own page, as `tree_around(space_tree(...), None)` builds it, without reading
    every page of a big space: the whole tree for a space of up to `limit` pages the user reads; for a bigger
    one its top level only, each node with the number of sub-pages it folds. Two queries whatever the size
    (the count, then the tree or the top level): a space of 5,000 pages had all of them read, assembled and
    pruned in Python to show its top level. The top level is what `space_tree` puts there: the pages without
    a parent and those whose parent the reader may not see (someone else's draft)."""
    readable = Page.objects.visible_in_read_space(user, space)  # `space` was read through its rights
    if readable.count() <= limit:
        return space_tree(user=user, space=space)
    sub_pages = (
        readable.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        readable.filter(Q(parent__isnull=True) | ~Exists(readable.filter(pk=OuterRef("parent_id"))))
        .annotate(folded=Coalesce(Subquery(sub_pages, output_field=IntegerField()), 0))
        .order_by("position", "id")
        .values_list("id", "title", "parent_id", "position", "status", "folded")
    )
    return [
        TreeNode(pk, title, parent_id, position, status, [], 0, folded)
        for pk, title, parent_id, position, status, folded in rows
    ]


def tree_flat(roots: list[TreeNode]) -> list[TreeNode]:
    """The tree in reading order (depth-first), for lists and selects."""
    out: list[TreeNode] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


_ANCESTORS_SQL = """
WITH RECURSIVE up(id, parent_id, title, status, created_by_id, depth) AS (
    SELECT id, parent_id, title, status, created_by_id, 0 FROM knowledgebase_page WHERE id = %s
    UNION ALL
    SELECT p.id, p.parent_id, p.title, p.status, p.created_by_id, up.depth + 1
    FROM knowledgebase_page p JOIN up ON p.id = up.parent_id
    WHERE up.depth < %s
)
SELECT id, title, status, created_by_id FROM up WHERE depth > 0 ORDER BY depth DESC
"""


def page_ancestor_ids(page_id: int) -> list[int]:
    """The ids of the page's ancestors, the root first (one recursive query; no rights: for the services)."""
    with connection.cursor() as cursor:
        cursor.execute(_ANCESTORS_SQL, [page_id, MAX_DEPTH])
        return [row[0] for row in cursor.fetchall()]


def breadcrumbs(*, user, page: Page) -> list[tuple[int, str]]:
    """(id, title) of the page's ancestors, the root first, that `user` may see (one query): pages of the
    same space, so only someone else's draft is left out."""
    # Also for a top-level page (the query then finds nothing): a page's view costs the same queries whatever
    # its place in the tree.
    from portal.core.permissions import is_portal_admin

    with connection.cursor() as cursor:
        cursor.execute(_ANCESTORS_SQL, [page.pk, MAX_DEPTH])
        rows = cursor.fetchall()
    admin = is_portal_admin(user)
    return [
        (pk, title)
        for pk, title, status, author_id in rows
        if admin or status == PageStatus.PUBLISHED or author_id == user.pk
    ]


def pages_titled(*, user, space: Space, titles: set[str]) -> dict[str, Page]:
    """The pages of `space` `user` may read whose title is one of `titles` (case-insensitive), by lower-cased
    title: for the internal links of a page (one query). `space` is one the caller found `user` reads."""
    from django.db.models.functions import Lower

    # Queried even when the text links nowhere ("" names no page: a title is never empty), so that a page's
    # view costs the same queries whatever its text.
    wanted = {t.strip().lower() for t in titles if t.strip()} or {""}
    found = (
        Page.objects.visible_in_read_space(user, space)  # `space` was read through its rights
        .annotate(lower_title=Lower("title"))
        .filter(lower_title__in=wanted)
        .only("id", "title", "space_id")
        .order_by("id")
    )
    out: dict[str, Page] = {}
    for page in found:
        out.setdefault(page.lower_title, page)
    return out
