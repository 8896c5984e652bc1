"""The stream API: the same rules as the pages, JSON errors of one shape, keyset pagination."""

from __future__ import annotations

from portal.stream import services
from portal.stream.models import Comment, Entry, EntryRead, Like, Photo, PollBallot
from portal.stream.services import PollSpec
from tests.stream.factories import bulk_posts, image_upload, post, text_upload
from tests.utils import client_as

URL = "/api/v1/stream/entries/"


def _error(response) -> dict:
    return response.json()["error"]


def test_list_is_newest_first_and_hides_what_the_caller_may_not_see(org):
    post(org.ceo, "Old")
    post(org.ceo, "New")
    post(org.ceo, "IT only", departments=[org.it])
    body = client_as(org.east_rep).get(URL).json()
    assert [e["body"] for e in body["results"]] == ["New", "Old"]
    assert set(body) >= {"next", "previous", "results"}


def test_cursor_pages_follow_each_other(org):
    bulk_posts(org.ceo, 45)
    client = client_as(org.east_rep)
    first = client.get(URL).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    ids = [e["id"] for page in (first, second, third) for e in page["results"]]
    assert len(ids) == 45 and len(set(ids)) == 45 and third["next"] is None
    assert ids == sorted(ids, reverse=True)


def test_filters_are_shared_with_the_page(org, groups):
    post(org.east_rep, "Mine")
    post(org.ceo, "Important", is_important=True)
    team = post(org.sales_head, "Team", groups=[groups.team])
    client = client_as(org.east_rep)
    assert [e["body"] for e in client.get(URL, {"show": "mine"}).json()["results"]] == ["Mine"]
    assert [e["body"] for e in client.get(URL, {"show": "important"}).json()["results"]] == ["Important"]
    assert [e["id"] for e in client.get(URL, {"group": groups.team.pk}).json()["results"]] == [team.pk]
    assert client.get(URL, {"show": "bogus"}).status_code == 400


def test_create_with_poll_vote_and_results(org):
    client = client_as(org.east_rep)
    response = client.post(
        URL,
        {"body": "Lunch?", "everyone": True, "poll": {"question": "Where?", "options": ["Pizza", "Sushi"]}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    entry = response.json()
    assert entry["poll"]["options"][0]["votes_count"] is None  # results only after voting
    voter = client_as(org.sales_rep)
    pizza = entry["poll"]["options"][0]["id"]
    response = voter.post(f"{URL}{entry['id']}/vote/", {"options": [pizza]}, format="json")
    assert response.status_code == 200
    poll = response.json()["poll"]
    assert poll["voted"] and poll["my_options"] == [pizza] and poll["options"][0]["votes_count"] == 1
    again = voter.post(f"{URL}{entry['id']}/vote/", {"options": [pizza]}, format="json")
    assert again.status_code == 400 and "poll" in _error(again)["fields"]
    assert PollBallot.objects.count() == 1


def test_vote_on_a_closed_poll_is_a_clear_error(org):
    entry = post(org.ceo, "Poll", poll=PollSpec(question="Q", options=["A", "B"]))
    closed = client_as(org.ceo).post(f"{URL}{entry.pk}/close-poll/")
    assert closed.status_code == 200 and closed.json()["poll"]["is_closed"]
    response = client_as(org.sales_rep).post(
        f"{URL}{entry.pk}/vote/", {"options": [entry.poll.options.first().pk]}, format="json"
    )
    error = _error(response)
    assert response.status_code == 400 and error["code"] == "invalid"
    assert "closed" in error["fields"]["poll"][0]
    assert PollBallot.objects.count() == 0


def test_bad_posts_get_field_errors_and_change_nothing(org, groups):
    client = client_as(org.east_rep)
    empty = client.post(URL, {"body": "  ", "everyone": True}, format="json")
    assert empty.status_code == 400 and "body" in _error(empty)["fields"]
    nobody = client.post(URL, {"body": "Hi"}, format="json")
    assert nobody.status_code == 400 and "audience" in _error(nobody)["fields"]
    secret = client.post(URL, {"body": "Hi", "groups": [groups.secret.pk]}, format="json")
    assert secret.status_code == 400 and "groups" in _error(secret)["fields"]
    assert Entry.objects.count() == 0


def test_update_and_delete_own_post_only(org):
    entry = post(org.east_rep, "Draft", users=[org.sales_rep])
    assert (
        client_as(org.sales_rep).patch(f"{URL}{entry.pk}/", {"body": "Mine now"}, format="json").status_code
        == 403
    )
    assert (
        client_as(org.developer).patch(f"{URL}{entry.pk}/", {"body": "Mine now"}, format="json").status_code
        == 404
    )
    response = client_as(org.east_rep).patch(f"{URL}{entry.pk}/", {"body": "Final"}, format="json")
    assert response.status_code == 200 and response.json()["edited_at"]
    assert client_as(org.sales_rep).delete(f"{URL}{entry.pk}/").status_code == 403
    assert client_as(org.east_rep).delete(f"{URL}{entry.pk}/").status_code == 204
    assert not Entry.objects.exists()


def test_comments_likes_and_reads(org):
    entry = post(org.ceo, "Rules", is_important=True)
    client = client_as(org.east_rep)
    response = client.post(f"{URL}{entry.pk}/comments/", {"body": "Got it"}, format="json")
    assert response.status_code == 201
    comment_id = response.json()["id"]
    reply = client.post(f"{URL}{entry.pk}/comments/", {"body": "Me too", "parent": comment_id}, format="json")
    assert reply.json()["parent"] == comment_id
    assert client.post(f"{URL}{entry.pk}/comments/", {"body": ""}, format="json").status_code == 400
    assert [c["body"] for c in client.get(f"{URL}{entry.pk}/comments/").json()["results"]] == [
        "Got it",
        "Me too",
    ]

    assert client.post(f"{URL}{entry.pk}/likes/").json() == {"liked": True, "likes_count": 1}
    assert client.post(f"{URL}{entry.pk}/likes/").json() == {"liked": True, "likes_count": 1}
    likers = client.get(f"{URL}{entry.pk}/likes/").json()["results"]
    assert [like["user"]["id"] for like in likers] == [org.east_rep.pk]
    assert client.delete(f"{URL}{entry.pk}/likes/").json() == {"liked": False, "likes_count": 0}

    assert client.post(f"{URL}{entry.pk}/read/").status_code == 200
    assert EntryRead.objects.filter(entry=entry, user=org.east_rep).exists()
    readers = client_as(org.ceo).get(f"{URL}{entry.pk}/readers/").json()
    assert [r["id"] for r in readers["read"]] == [org.east_rep.pk]
    assert client.get(f"{URL}{entry.pk}/readers/").status_code == 403

    comment_url = f"/api/v1/stream/comments/{comment_id}/"
    assert client_as(org.ceo).patch(comment_url, {"body": "x"}, format="json").status_code == 403
    assert client.patch(comment_url, {"body": "Got it!"}, format="json").json()["edited_at"]
    assert client.delete(comment_url).status_code == 204
    assert Comment.objects.count() == 0  # the reply went with it


def test_photo_upload_and_bad_files(org, settings, django_capture_on_commit_callbacks):
    entry = post(org.east_rep, "Album", departments=[org.sales])
    client = client_as(org.east_rep)
    url = f"{URL}{entry.pk}/photos/"
    bad = client.post(url, {"photos": [image_upload("ok.png"), text_upload("bad.png")]}, format="multipart")
    assert bad.status_code == 400 and "bad.png" in _error(bad)["fields"]["photos"][0]
    settings.LUMEN_PHOTO_MAX_BYTES = 50
    big = client.post(url, {"photos": [image_upload("big.png")]}, format="multipart")
    assert big.status_code == 400 and "too large" in _error(big)["fields"]["photos"][0]
    assert Photo.objects.count() == 0
    settings.LUMEN_PHOTO_MAX_BYTES = 5 * 1024 * 1024
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            url,
            {"photos": [image_upload("a.png"), image_upload("b.png")], "album_title": "Trip"},
            format="multipart",
        )
    assert ok.status_code == 201 and len(ok.json()) == 2
    assert (
        client_as(org.sales_rep).post(url, {"photos": [image_upload()]}, format="multipart").status_code
        == 403
    )

    photo_id = ok.json()[0]["id"]
    member, outsider = client_as(org.sales_rep), client_as(org.developer)
    assert member.get(f"/api/v1/stream/photos/{photo_id}/").json()["has_thumbnail"] is True
    assert member.get(f"/api/v1/stream/photos/{photo_id}/file/").status_code == 200
    assert outsider.get(f"/api/v1/stream/photos/{photo_id}/file/").status_code == 404
    assert member.post(f"/api/v1/stream/photos/{photo_id}/likes/").json()["likes_count"] == 1
    assert (
        member.post(f"/api/v1/stream/photos/{photo_id}/comments/", {"body": "Wow"}, format="json").status_code
        == 201
    )
    assert Like.objects.filter(photo_id=photo_id).count() == 1
    entry_json = member.get(f"{URL}{entry.pk}/").json()
    assert entry_json["album"]["title"] == "Trip" and entry_json["album"]["photos_count"] == 2


def test_outsider_gets_404_everywhere(org):
    entry = post(
        org.ceo, "Sales only", departments=[org.sales], poll=PollSpec(question="Q", options=["A", "B"])
    )
    comment = services.comment_create(actor=org.sales_rep, entry=entry, body="Hi")
    client = client_as(org.developer)
    for url in [
        f"{URL}{entry.pk}/",
        f"{URL}{entry.pk}/comments/",
        f"{URL}{entry.pk}/likes/",
        f"/api/v1/stream/comments/{comment.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 404 and _error(response)["status"] == 404, url
    assert client.post(f"{URL}{entry.pk}/vote/", {"options": [1]}, format="json").status_code == 404
    search = client.get("/api/v1/search/", {"q": "sales only"}).json()
    assert not [g for g in search["results"] if g["kind"] == "posts"]


def test_schema_documents_the_stream_endpoints(admin_user):
    schema = client_as(admin_user).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in [
        "/api/v1/stream/entries/",
        "/api/v1/stream/entries/{id}/vote/",
        "/api/v1/stream/entries/{id}/photos/",
        "/api/v1/stream/photos/{id}/file/",
        "/api/v1/stream/comments/{id}/",
    ]:
        assert path in paths, path


# --- found by the API sweep and fuzz (tests/core/test_api_methods.py, test_api_fuzz.py) -----------------


def test_head_reads_likes_and_comments_and_changes_nothing(org):
    """HEAD went down the write branches of the actions that answer GET and POST (or DELETE): it took a like
    back and tried to add a comment."""
    entry = post(org.ceo, "Hello")
    client = client_as(org.east_rep)
    client.post(f"{URL}{entry.pk}/likes/")
    for suffix in ("likes/", "comments/"):
        response = client.head(f"{URL}{entry.pk}/{suffix}", {"body": "Not a comment"})
        assert response.status_code == 200 and not response.content
    assert Like.objects.filter(entry=entry, user=org.east_rep).exists()
    assert not Comment.objects.filter(entry=entry).exists()


def test_taking_a_like_back_is_documented_with_its_answer(org):
    from tests.core.openapi import response_schema

    entry = post(org.ceo, "Hello")
    response = client_as(org.east_rep).delete(f"{URL}{entry.pk}/likes/")
    assert response.status_code == 200 and response.json() == {"liked": False, "likes_count": 0}
    documented = response_schema("/api/v1/stream/entries/{id}/likes/", "delete")
    assert set(documented["properties"]) == {"liked", "likes_count"}


def test_ids_beyond_any_key_name_nothing(org):
    """On SQLite such a number could not even be sent to the database: a server error (portal/core/lookups.py)."""
    post(org.ceo, "Hello")
    client = client_as(org.east_rep)
    for params in ({"author": 10**20}, {"group": 10**20}):
        response = client.get(URL, params)
        assert response.status_code == 200 and response.json()["results"] == []
    response = client.post(URL, {"body": "Hi", "users": [10**20]}, format="json")
    assert response.status_code == 400 and "users" in _error(response)["fields"]
