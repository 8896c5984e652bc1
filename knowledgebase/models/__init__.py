"""The knowledge base's models: spaces (with their grants), pages in a tree, and their revisions."""

from .pages import Page, PageFile, PageQuerySet, PageTag
from .revisions import PageRevision
from .spaces import Space, SpaceGrant, SpaceGroupObjectPermission, SpaceQuerySet, SpaceUserObjectPermission

__all__ = [
    "Page",
    "PageFile",
    "PageQuerySet",
    "PageRevision",
    "PageTag",
    "Space",
    "SpaceGrant",
    "SpaceGroupObjectPermission",
    "SpaceQuerySet",
    "SpaceUserObjectPermission",
]
