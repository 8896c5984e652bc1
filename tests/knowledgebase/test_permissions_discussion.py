"""Every route of the discussion (pages and API), called as every role. A comment of a page the caller cannot
read is 404 (the outsider); a waiting comment is seen by its author and the moderator only; only the page's
responsible editor (the supervisor here) and admins moderate."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgebase.models import CommentStatus, PageComment, PageCommentLike
from tests.knowledgebase.factories_governance import CommentFactory, matrix_world
from tests.utils import ROLES, Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)


def _expect(outsider, member, supervisor, admin, anonymous=LOGIN) -> dict:
    return dict(zip(ROLES, (anonymous, outsider, member, supervisor, admin), strict=True))


@pytest.fixture
def discussion_endpoints(org):
    world = matrix_world(org)
    page = world.rules

    def by_member(role=None, status=CommentStatus.APPROVED):
        return CommentFactory(page=page, author=org.east_rep, status=status)

    def pending(role=None):
        return by_member(status=CommentStatus.PENDING)

    def liked(role=None):
        return CommentFactory(page=page, author=org.sales_head)

    return [
        Endpoint("thread", "GET", reverse("kb:page_discussion", args=[page.pk]), _expect(404, 200, 200, 200)),
        Endpoint(
            "comment",
            "POST",
            reverse("kb:comment_add", args=[page.pk]),
            _expect(404, 302, 302, 302),
            {"body": "A question"},
            "form",
            changed=rows(PageComment),
        ),
        Endpoint(
            "edit",
            "POST",
            lambda role: reverse("kb:comment_edit", args=[by_member().pk]),
            _expect(404, 302, 403, 403),
            lambda role: {"body": f"Changed by {role}"},
            "form",
            changed=rows(PageComment, "body"),
        ),
        Endpoint(
            "delete",
            "POST",
            lambda role: reverse("kb:comment_delete", args=[by_member().pk]),
            _expect(404, 302, 302, 302),
            {},
            "form",
            changed=rows(PageComment),
        ),
        Endpoint(
            "like",
            "POST",
            lambda role: reverse("kb:comment_like", args=[liked().pk]),
            _expect(404, 302, 302, 302),
            {},
            "form",
            changed=rows(PageCommentLike),
        ),
        Endpoint("queue", "GET", reverse("kb:moderation_queue"), _expect(200, 200, 200, 200)),
        Endpoint(
            "approve",
            "POST",
            lambda role: reverse("kb:comment_approve", args=[pending().pk]),
            _expect(404, 403, 302, 302),
            {},
            "form",
            changed=rows(PageComment, "status"),
        ),
        Endpoint(
            "reject",
            "POST",
            lambda role: reverse("kb:comment_reject", args=[pending().pk]),
            _expect(404, 403, 302, 302),
            {"reason": "No"},
            "form",
            changed=rows(PageComment, "status"),
        ),
        # --- API
        Endpoint("api list", "GET", "/api/v1/kb/comments/", _expect(200, 200, 200, 200, API_ANON)),
        Endpoint(
            "api create",
            "POST",
            "/api/v1/kb/comments/",
            _expect(404, 201, 201, 201, API_ANON),
            {"page": page.pk, "body": "Via the API"},
            changed=rows(PageComment),
        ),
        Endpoint(
            "api detail",
            "GET",
            f"/api/v1/kb/comments/{world.comment.pk}/",
            _expect(404, 200, 200, 200, API_ANON),
        ),
        Endpoint(
            "api edit",
            "PATCH",
            lambda role: f"/api/v1/kb/comments/{by_member().pk}/",
            _expect(404, 200, 403, 403, API_ANON),
            lambda role: {"body": f"Changed by {role}"},
            changed=rows(PageComment, "body"),
        ),
        Endpoint(
            "api delete",
            "DELETE",
            lambda role: f"/api/v1/kb/comments/{by_member().pk}/",
            _expect(404, 204, 204, 204, API_ANON),
            changed=rows(PageComment),
        ),
        Endpoint(
            "api like",
            "POST",
            lambda role: f"/api/v1/kb/comments/{liked().pk}/like/",
            _expect(404, 200, 200, 200, API_ANON),
            changed=rows(PageCommentLike),
        ),
        Endpoint(
            "api queue", "GET", "/api/v1/kb/comments/moderation/", _expect(200, 200, 200, 200, API_ANON)
        ),
        Endpoint(
            "api approve",
            "POST",
            lambda role: f"/api/v1/kb/comments/{pending().pk}/approve/",
            _expect(404, 403, 200, 200, API_ANON),
            changed=rows(PageComment, "status"),
        ),
        Endpoint(
            "api reject",
            "POST",
            lambda role: f"/api/v1/kb/comments/{pending().pk}/reject/",
            _expect(404, 403, 200, 200, API_ANON),
            {"reason": "No"},
            changed=rows(PageComment, "status"),
        ),
    ]


def test_discussion_matrix(roles, discussion_endpoints):
    assert_matrix(roles, discussion_endpoints)
