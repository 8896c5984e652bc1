"""Role x endpoint matrix for every stream page and API endpoint.

Roles: anonymous; outsider (not in the audience: hidden things answer 404); member (in the audience,
through the department East); author (wrote the post); admin (sees everything, moderates, but does not
edit other people's words).
"""

from __future__ import annotations

import sys

import pytest

from portal.stream import services
from portal.stream.models import Comment, Entry, EntryRead, Like, Photo, Poll, PollBallot
from portal.stream.services import PollSpec
from tests.matrix import assert_covers_every_route
from tests.stream.factories import image_upload, post
from tests.utils import Endpoint, assert_matrix, rows

ANON_PAGE = 302  # to the login page
ANON_API = (401, 403)

# Side-effect probes of the write rows (see tests.utils.Endpoint.changed).
ENTRIES = rows(Entry)
BODIES = rows(Entry, "body", "is_important")
COMMENTS = rows(Comment, "body")
LIKES = rows(Like)
READS = rows(EntryRead)
BALLOTS = rows(PollBallot)
CLOSED = rows(Poll, "closed_at")
PHOTOS = rows(Photo)


@pytest.fixture
def stream_roles(org):
    return {
        "anonymous": None,
        "outsider": org.developer,
        "member": org.east_rep,
        "author": org.sales_rep,
        "admin": org.admin,
    }


@pytest.fixture
def world(org, stream_roles, django_capture_on_commit_callbacks):
    author, member = stream_roles["author"], stream_roles["member"]

    def fresh_post(**kwargs):
        return post(author, "For the East team", departments=[org.east], **kwargs)

    with django_capture_on_commit_callbacks(execute=True):
        album_post = fresh_post(photos=[image_upload()])
    entry = fresh_post(is_important=True, poll=PollSpec(question="Q", options=["A", "B"]))
    comment = services.comment_create(actor=member, entry=entry, body="Member's comment")

    def fresh_comment():
        return services.comment_create(actor=member, entry=entry, body="Another comment")

    return {
        "entry": entry,
        "option": entry.poll.options.first().pk,
        "comment": comment,
        "album": album_post.album,
        "photo": Photo.objects.get(album=album_post.album),
        "fresh_post": fresh_post,
        "fresh_poll": lambda: fresh_post(poll=PollSpec(question="Q", options=["A", "B"])).poll,
        "fresh_comment": fresh_comment,
    }


def _expect(anonymous, outsider, member, author, admin) -> dict:
    return {"anonymous": anonymous, "outsider": outsider, "member": member, "author": author, "admin": admin}


def test_page_matrix(stream_roles, world):
    e, c, p, a = world["entry"].pk, world["comment"].pk, world["photo"].pk, world["album"].pk
    A = ANON_PAGE
    endpoints = [
        Endpoint("feed", "GET", "/stream/", _expect(A, 200, 200, 200, 200)),
        Endpoint("people picker", "GET", "/stream/people/?q=ab", _expect(A, 200, 200, 200, 200)),
        Endpoint(
            "post create",
            "POST",
            "/stream/post/",
            _expect(A, 302, 302, 302, 302),
            data={"body": "Hi", "everyone": "on"},
            format="form",
            changed=ENTRIES,
        ),
        Endpoint("entry detail", "GET", f"/stream/{e}/", _expect(A, 404, 200, 200, 200)),
        Endpoint("entry card", "GET", f"/stream/{e}/card/", _expect(A, 404, 200, 200, 200)),
        Endpoint("entry edit", "GET", f"/stream/{e}/edit/", _expect(A, 404, 403, 200, 403)),
        Endpoint(
            "entry edit post",
            "POST",
            f"/stream/{e}/edit/",
            _expect(A, 404, 403, 302, 403),
            data={"body": "Edited", "is_important": "on"},
            format="form",
            changed=BODIES,
        ),
        Endpoint(
            "entry delete",
            "POST",
            lambda r: f"/stream/{world['fresh_post']().pk}/delete/",
            _expect(A, 404, 403, 302, 302),
            format="form",
            changed=ENTRIES,
        ),
        Endpoint(
            "entry like",
            "POST",
            f"/stream/{e}/like/",
            _expect(A, 404, 302, 302, 302),
            format="form",
            changed=LIKES,
        ),
        Endpoint("entry likes", "GET", f"/stream/{e}/likes/", _expect(A, 404, 200, 200, 200)),
        Endpoint(
            "entry read",
            "POST",
            f"/stream/{e}/read/",
            _expect(A, 404, 302, 302, 302),
            format="form",
            changed=READS,
        ),
        Endpoint("entry readers", "GET", f"/stream/{e}/readers/", _expect(A, 404, 403, 200, 200)),
        Endpoint("comments list", "GET", f"/stream/{e}/comments/", _expect(A, 404, 302, 302, 302)),
        Endpoint(
            "comment add",
            "POST",
            f"/stream/{e}/comments/",
            _expect(A, 404, 302, 302, 302),
            data={"body": "Hello"},
            format="form",
            changed=COMMENTS,
        ),
        Endpoint("comment edit", "GET", f"/stream/comments/{c}/edit/", _expect(A, 404, 200, 403, 403)),
        Endpoint(
            "comment edit post",
            "POST",
            f"/stream/comments/{c}/edit/",
            _expect(A, 404, 302, 403, 403),
            data={"body": "Edited comment"},
            format="form",
            changed=COMMENTS,
        ),
        Endpoint(
            "comment delete",
            "POST",
            lambda r: f"/stream/comments/{world['fresh_comment']().pk}/delete/",
            _expect(A, 404, 302, 403, 302),
            format="form",
            changed=COMMENTS,
        ),
        Endpoint(
            "poll vote",
            "POST",
            lambda r: f"/stream/polls/{world['entry'].poll.pk}/vote/",
            _expect(A, 404, 302, 302, 302),
            data={"options": [world["option"]]},
            format="form",
            changed=BALLOTS,
        ),
        Endpoint(
            "poll close",
            "POST",
            lambda r: f"/stream/polls/{world['fresh_poll']().pk}/close/",
            _expect(A, 404, 403, 302, 302),
            format="form",
            changed=CLOSED,
        ),
        Endpoint("album", "GET", f"/stream/albums/{a}/", _expect(A, 404, 200, 200, 200)),
        Endpoint(
            "album add photos",
            "POST",
            f"/stream/albums/{a}/",
            _expect(A, 404, 403, 302, 403),
            data=lambda r: {"photos": [image_upload()]},
            format="multipart",
            changed=PHOTOS,
        ),
        Endpoint("photo", "GET", f"/stream/photos/{p}/", _expect(A, 404, 200, 200, 200)),
        Endpoint("photo file", "GET", f"/stream/photos/{p}/file/", _expect(A, 404, 200, 200, 200)),
        Endpoint("photo thumb", "GET", f"/stream/photos/{p}/thumb/", _expect(A, 404, 200, 200, 200)),
        Endpoint(
            "photo like",
            "POST",
            f"/stream/photos/{p}/like/",
            _expect(A, 404, 302, 302, 302),
            format="form",
            changed=LIKES,
        ),
        Endpoint(
            "photo comment",
            "POST",
            f"/stream/photos/{p}/comments/",
            _expect(A, 404, 302, 302, 302),
            data={"body": "Nice"},
            format="form",
            changed=COMMENTS,
        ),
    ]
    assert_matrix(stream_roles, endpoints)


def test_api_matrix(stream_roles, world):
    e, c, p = world["entry"].pk, world["comment"].pk, world["photo"].pk
    base = "/api/v1/stream"
    A = ANON_API
    endpoints = [
        Endpoint("entries list", "GET", f"{base}/entries/", _expect(A, 200, 200, 200, 200)),
        Endpoint(
            "entries create",
            "POST",
            f"{base}/entries/",
            _expect(A, 201, 201, 201, 201),
            data={"body": "Hi", "everyone": True},
            changed=ENTRIES,
        ),
        Endpoint("entry retrieve", "GET", f"{base}/entries/{e}/", _expect(A, 404, 200, 200, 200)),
        Endpoint(
            "entry update",
            "PATCH",
            f"{base}/entries/{e}/",
            _expect(A, 404, 403, 200, 403),
            data={"body": "Edited"},
            changed=BODIES,
        ),
        Endpoint(
            "entry delete",
            "DELETE",
            lambda r: f"{base}/entries/{world['fresh_post']().pk}/",
            _expect(A, 404, 403, 204, 204),
            changed=ENTRIES,
        ),
        Endpoint("comments list", "GET", f"{base}/entries/{e}/comments/", _expect(A, 404, 200, 200, 200)),
        Endpoint(
            "comments add",
            "POST",
            f"{base}/entries/{e}/comments/",
            _expect(A, 404, 201, 201, 201),
            data={"body": "Hello"},
            changed=COMMENTS,
        ),
        Endpoint("likes list", "GET", f"{base}/entries/{e}/likes/", _expect(A, 404, 200, 200, 200)),
        Endpoint("like", "POST", f"{base}/entries/{e}/likes/", _expect(A, 404, 200, 200, 200), changed=LIKES),
        Endpoint(
            "unlike", "DELETE", f"{base}/entries/{e}/likes/", _expect(A, 404, 200, 200, 200), changed=LIKES
        ),
        Endpoint(
            "vote",
            "POST",
            f"{base}/entries/{e}/vote/",
            _expect(A, 404, 200, 200, 200),
            data={"options": [world["option"]]},
            changed=BALLOTS,
        ),
        Endpoint(
            "close poll",
            "POST",
            lambda r: f"{base}/entries/{world['fresh_poll']().entry_id}/close-poll/",
            _expect(A, 404, 403, 200, 200),
            changed=CLOSED,
        ),
        Endpoint("read", "POST", f"{base}/entries/{e}/read/", _expect(A, 404, 200, 200, 200), changed=READS),
        Endpoint("readers", "GET", f"{base}/entries/{e}/readers/", _expect(A, 404, 403, 200, 200)),
        Endpoint(
            "photos upload",
            "POST",
            f"{base}/entries/{world['album'].entry_id}/photos/",
            _expect(A, 404, 403, 201, 403),
            data=lambda r: {"photos": [image_upload()]},
            format="multipart",
            changed=PHOTOS,
        ),
        Endpoint("comment retrieve", "GET", f"{base}/comments/{c}/", _expect(A, 404, 200, 200, 200)),
        Endpoint(
            "comment update",
            "PATCH",
            f"{base}/comments/{c}/",
            _expect(A, 404, 200, 403, 403),
            data={"body": "Changed"},
            changed=COMMENTS,
        ),
        Endpoint(
            "comment delete",
            "DELETE",
            lambda r: f"{base}/comments/{world['fresh_comment']().pk}/",
            _expect(A, 404, 204, 403, 204),
            changed=COMMENTS,
        ),
        Endpoint("photo retrieve", "GET", f"{base}/photos/{p}/", _expect(A, 404, 200, 200, 200)),
        Endpoint("photo file", "GET", f"{base}/photos/{p}/file/", _expect(A, 404, 200, 200, 200)),
        Endpoint(
            "photo like", "POST", f"{base}/photos/{p}/likes/", _expect(A, 404, 200, 200, 200), changed=LIKES
        ),
        Endpoint(
            "photo unlike",
            "DELETE",
            f"{base}/photos/{p}/likes/",
            _expect(A, 404, 200, 200, 200),
            changed=LIKES,
        ),
        Endpoint("photo comments", "GET", f"{base}/photos/{p}/comments/", _expect(A, 404, 200, 200, 200)),
        Endpoint(
            "photo comment add",
            "POST",
            f"{base}/photos/{p}/comments/",
            _expect(A, 404, 201, 201, 201),
            data={"body": "Nice"},
            changed=COMMENTS,
        ),
    ]
    assert_matrix(stream_roles, endpoints)


def test_matrix_covers_every_route(request, db):
    assert_covers_every_route(
        request,
        urlconfs=["portal.stream.urls", "portal.stream.api.urls"],
        modules=[sys.modules[__name__]],
        public={},
    )
