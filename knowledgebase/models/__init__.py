"""The knowledge base's models: spaces (with their grants), pages in a tree, and their revisions."""

from .discussion import CommentStatus, PageComment, PageCommentLike
from .familiarisation import Campaign, CampaignStatus, ReadingAssignment, ReadingState
from .governance import PageVerification
from .pages import Page, PageFile, PageQuerySet, PageTag
from .revisions import PageRevision
from .spaces import Space, SpaceGrant, SpaceGroupObjectPermission, SpaceQuerySet, SpaceUserObjectPermission

__all__ = [
    "Campaign",
    "CampaignStatus",
    "CommentStatus",
    "PageComment",
    "PageCommentLike",
    "PageVerification",
    "ReadingAssignment",
    "ReadingState",
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
