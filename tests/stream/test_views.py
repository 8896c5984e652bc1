"""The stream pages: the feed, posting through the composer, htmx partials, and clear errors."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.stream import services
from portal.stream.models import Comment, Entry, EntryRead, Like, Photo, PollBallot
from portal.stream.services import PollSpec
from tests.stream.factories import image_upload, post, text_upload

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_client(user) -> Client:
    """A browser-like client: form posts are multipart (the API client of tests/utils posts JSON)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _html(response) -> str:
    return response.content.decode()


def test_feed_shows_visible_posts_newest_first_with_sidebar(org):
    post(org.ceo, "Older news")
    post(org.ceo, "Newer news")
    post(org.ceo, "IT secret plans", departments=[org.it])
    response = page_client(org.east_rep).get(reverse("stream:feed"))
    html = _html(response)
    assert response.status_code == 200
    assert html.index("Newer news") < html.index("Older news")
    assert "IT secret plans" not in html
    assert 'id="composer-form"' in html and 'id="stream-celebrations"' in html


def test_the_celebrations_sidebar_is_rendered_once_a_day_and_again_after_a_change(org, monkeypatch):
    from django.utils import timezone

    from portal.people import services as people_services
    from portal.stream import views
    from tests.people.factories import UserFactory

    person = UserFactory(
        email="bday@acme.test", first_name="Birthday", last_name="Person", birthday=timezone.localdate()
    )
    renders = []
    real = views.render_to_string
    monkeypatch.setattr(views, "render_to_string", lambda *a, **k: renders.append(a[0]) or real(*a, **k))
    client = page_client(org.east_rep)
    assert "Birthday Person" in _html(client.get(reverse("stream:feed")))
    page_client(org.ceo)  # a sign-in changes nothing the sidebar shows
    assert "Birthday Person" in _html(page_client(org.developer).get(reverse("stream:feed")))
    assert renders == ["stream/partials/celebrations.html"]
    people_services.person_update(actor=person, person=person, birthday=None)
    assert "Birthday Person" not in _html(client.get(reverse("stream:feed")))
    assert len(renders) == 2


def test_feed_cards_show_the_latest_three_comments_oldest_first(org):
    quiet = post(org.ceo, "Nobody answered")
    busy = post(org.ceo, "Busy post")
    for i in range(5):
        services.comment_create(actor=org.east_rep, entry=busy, body=f"Answer number {i}")
    html = _html(page_client(org.east_rep).get(reverse("stream:feed")))
    card = html[html.index(f'id="entry-{busy.pk}"') : html.index(f'id="entry-{quiet.pk}"')]
    assert "Answer number 0" not in card and "Answer number 1" not in card
    assert card.index("Answer number 2") < card.index("Answer number 3") < card.index("Answer number 4")
    assert "Show all 5 comments" in card
    detail = _html(page_client(org.east_rep).get(reverse("stream:entry", args=[busy.pk])))
    assert all(f"Answer number {i}" in detail for i in range(5))


def test_anonymous_is_sent_to_login(db):
    response = page_client(None).get(reverse("stream:feed"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_posting_through_the_composer(org, groups):
    client = page_client(org.east_rep)
    response = client.post(
        reverse("stream:post_create"),
        {
            "body": f"Hello @[Dev](user:{org.developer.pk})",
            "groups": [groups.team.pk],
            "users": [org.developer.pk],
        },
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert not entry.audience_everyone and entry.audience.count() == 2
    html = _html(client.get(reverse("stream:feed")))
    assert f'href="{reverse("people:profile", args=[org.developer.pk])}"' in html and "@Dev" in html


def test_posting_with_a_poll_through_the_composer(org):
    response = page_client(org.east_rep).post(
        reverse("stream:post_create"),
        {
            "body": "Lunch?",
            "everyone": "on",
            "attach": "poll",
            "poll_question": "Where?",
            "poll_options": "Pizza\nSushi",
        },
    )
    assert response.status_code == 302
    assert [o.text for o in Entry.objects.get().poll.options.all()] == ["Pizza", "Sushi"]


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"body": "", "everyone": "on"}, "Write something before posting."),
        ({"body": "Hi"}, "Choose who the post is for."),
        (
            {"body": "Hi", "everyone": "on", "attach": "poll", "poll_question": "Q", "poll_options": "One"},
            "A poll needs at least two answers.",
        ),
    ],
)
def test_composer_errors_are_shown_and_nothing_is_saved(org, data, field_error):
    response = page_client(org.east_rep).post(reverse("stream:post_create"), data)
    assert response.status_code == 400
    assert field_error in _html(response)
    assert Entry.objects.count() == 0


def test_composer_refuses_a_secret_group_one_is_not_in(org, groups):
    response = page_client(org.east_rep).post(
        reverse("stream:post_create"), {"body": "Hi", "groups": [groups.secret.pk]}
    )
    assert response.status_code == 400
    assert Entry.objects.count() == 0


def test_composer_refuses_a_visible_group_one_is_not_in_with_a_clear_error(org, groups):
    response = page_client(org.developer).post(
        reverse("stream:post_create"), {"body": "Hi", "groups": [groups.team.pk]}
    )
    assert response.status_code == 400
    assert "You can only post to groups you are a member of." in _html(response)
    assert Entry.objects.count() == 0


def test_composer_photos_upload_and_errors(org, settings):
    client = page_client(org.east_rep)
    response = client.post(
        reverse("stream:post_create"),
        {"body": "Pics", "everyone": "on", "attach": "photos", "photos": [text_upload("fake.png")]},
    )
    assert response.status_code == 400 and "fake.png is not an image" in _html(response)
    settings.LUMEN_PHOTO_MAX_BYTES = 50
    response = client.post(
        reverse("stream:post_create"),
        {"body": "Pics", "everyone": "on", "attach": "photos", "photos": [image_upload("big.png")]},
    )
    assert response.status_code == 400 and "big.png is too large" in _html(response)
    assert Entry.objects.count() == 0 and Photo.objects.count() == 0
    settings.LUMEN_PHOTO_MAX_BYTES = 5 * 1024 * 1024
    response = client.post(
        reverse("stream:post_create"),
        {
            "body": "Pics",
            "everyone": "on",
            "attach": "photos",
            "photos": [image_upload("a.png"), image_upload("b.png")],
        },
    )
    assert response.status_code == 302 and Photo.objects.count() == 2


def test_more_button_appends_the_next_page_with_htmx(org):
    from tests.stream.factories import bulk_posts

    bulk_posts(org.ceo, 45)
    client = page_client(org.east_rep)
    first = _html(client.get(reverse("stream:feed")))
    assert first.count('class="card mb-3 shadow-sm stream-entry') == 20 and 'id="feed-more"' in first
    cursor_url = first.split('id="feed-more"', 1)[1].split('hx-get="', 1)[1].split("before=")[0]
    assert cursor_url.startswith(reverse("stream:feed"))
    last = Entry.objects.order_by("-created_at", "-id")[19]
    from portal.stream.selectors import cursor_for

    partial = client.get(reverse("stream:feed"), {"before": cursor_for(last)}, **HTMX)
    html = _html(partial)
    assert partial.status_code == 200 and "<html" not in html
    assert html.count('class="card mb-3 shadow-sm stream-entry') == 20 and 'id="feed-more"' in html
    assert client.get(reverse("stream:feed"), {"before": "nonsense"}, **HTMX).status_code == 400


def test_like_comment_and_read_with_htmx(org):
    entry = post(org.ceo, "Read and react", is_important=True)
    client = page_client(org.east_rep)
    html = _html(client.get(reverse("stream:feed")))
    assert 'id="feed-pinned"' in html and "I have read it" in html

    response = client.post(reverse("stream:entry_like", args=[entry.pk]), **HTMX)
    assert response.status_code == 200 and 'aria-pressed="true"' in _html(response)
    assert Like.objects.filter(entry=entry, user=org.east_rep).exists()

    response = client.post(reverse("stream:entry_comments", args=[entry.pk]), {"body": "Noted!"}, **HTMX)
    assert response.status_code == 200 and "Noted!" in _html(response)
    response = client.post(reverse("stream:entry_comments", args=[entry.pk]), {"body": ""}, **HTMX)
    assert "Write a comment first." in _html(response)
    assert Comment.objects.count() == 1

    response = client.post(reverse("stream:entry_read", args=[entry.pk]), **HTMX)
    assert response.status_code == 200 and "You have confirmed reading this." in _html(response)
    assert EntryRead.objects.filter(entry=entry, user=org.east_rep).exists()
    assert 'id="feed-pinned"' not in _html(client.get(reverse("stream:feed")))


def test_vote_and_closed_poll_error_on_the_page(org):
    entry = post(org.ceo, "Poll", poll=PollSpec(question="Tea or coffee?", options=["Tea", "Coffee"]))
    poll = entry.poll
    tea = poll.options.get(text="Tea")
    client = page_client(org.east_rep)
    response = client.post(reverse("stream:poll_vote", args=[poll.pk]), {"options": [tea.pk]}, **HTMX)
    assert response.status_code == 200 and "data-poll-results" in _html(response)
    services.poll_close(poll=poll, actor=org.ceo)
    response = page_client(org.sales_rep).post(
        reverse("stream:poll_vote", args=[poll.pk]), {"options": [tea.pk]}, **HTMX
    )
    assert "This poll is closed" in _html(response)
    response = page_client(org.sales_rep).post(
        reverse("stream:poll_vote", args=[poll.pk]), {"options": [tea.pk]}
    )
    assert response.status_code == 302
    assert PollBallot.objects.count() == 1


def test_entry_edit_page_marks_edited(org):
    entry = post(org.east_rep, "Tpyo")
    client = page_client(org.east_rep)
    assert client.get(reverse("stream:entry_edit", args=[entry.pk])).status_code == 200
    assert client.post(reverse("stream:entry_edit", args=[entry.pk]), {"body": ""}).status_code == 400
    response = client.post(reverse("stream:entry_edit", args=[entry.pk]), {"body": "Typo"})
    assert response.status_code == 302
    assert "edited" in _html(client.get(reverse("stream:entry", args=[entry.pk])))


def test_readers_page_for_the_author(org):
    entry = post(org.ceo, "Rules", departments=[org.east], is_important=True)
    services.announcement_read(actor=org.east_rep, entry=entry)
    html = _html(page_client(org.ceo).get(reverse("stream:entry_readers", args=[entry.pk])))
    assert org.east_rep.full_name in html and org.field_rep.full_name in html
    assert page_client(org.east_rep).get(reverse("stream:entry_readers", args=[entry.pk])).status_code == 403


def test_photo_pages_and_permission_checked_files(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = post(org.east_rep, "Album", departments=[org.sales], photos=[image_upload("a.png")])
    photo = Photo.objects.get()
    member, outsider = page_client(org.sales_rep), page_client(org.developer)
    assert member.get(reverse("stream:album", args=[entry.album.pk])).status_code == 200
    assert member.get(reverse("stream:photo", args=[photo.pk])).status_code == 200
    response = member.get(reverse("stream:photo_thumb", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert member.get(reverse("stream:photo_file", args=[photo.pk]))["Content-Type"] == "image/png"
    for name in ("stream:photo", "stream:photo_file", "stream:photo_thumb"):
        assert outsider.get(reverse(name, args=[photo.pk])).status_code == 404
    assert member.post(reverse("stream:photo_comment", args=[photo.pk]), {"body": "Nice"}).status_code == 302
    assert member.post(reverse("stream:photo_like", args=[photo.pk])).status_code == 302
    photo.refresh_from_db()
    assert (photo.comments_count, photo.likes_count) == (1, 1)


def test_album_upload_page_refuses_non_images(org):
    entry = post(org.east_rep, "Album", photos=[image_upload("a.png")])
    client = page_client(org.east_rep)
    response = client.post(reverse("stream:album", args=[entry.album.pk]), {"photos": [text_upload("x.png")]})
    assert response.status_code == 400 and "x.png is not an image" in _html(response)
    assert Photo.objects.count() == 1


def test_people_picker_offers_mentions_only(org):
    """The audience is core's chip picker: the stream's own picker only inserts mentions, whatever is asked."""
    client = page_client(org.east_rep)
    for params in ({}, {"mode": "audience"}):
        query = {"q": org.developer.last_name, **params}
        html = _html(client.get(reverse("stream:people_picker"), query, **HTMX))
        assert f"@[{org.developer.full_name}](user:{org.developer.pk})" in html
        assert "data-audience-add" not in html and html.count("data-mention-insert=") == 1


def test_event_entries_render_through_their_template(org, groups):
    services.entry_publish(
        actor=org.east_rep,
        verb="created the project",
        target=groups.team,
        audience=services.Audience(everyone=True),
        template="stream/events/default.html",
    )
    html = _html(page_client(org.sales_rep).get(reverse("stream:feed")))
    assert "created the project" in html and groups.team.get_absolute_url() in html
