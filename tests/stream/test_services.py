"""The stream's services: every write, its validation, its notifications and its stored counters."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from portal.stream import services
from portal.stream.models import Album, Comment, Entry, EntryRead, Like, Photo, Poll, PollBallot, PollVote
from portal.stream.services import Audience, PollSpec
from tests.stream.conftest import kinds
from tests.stream.factories import image_upload, post, text_upload

# --- posts -------------------------------------------------------------------------------------------


def test_post_for_everyone_is_stored_with_audit(org):
    entry = post(org.east_rep, "Kick-off on Monday")
    assert entry.audience_everyone and entry.body == "Kick-off on Monday"
    assert AuditLog.objects.filter(action="stream.post_create", target_id=str(entry.pk)).exists()


def test_post_to_departments_groups_and_people_stores_audience_rows(org, groups):
    entry = post(org.east_rep, "Hi", departments=[org.sales], groups=[groups.team], users=[org.developer])
    rows = sorted((r.kind, r.department_id or r.group_id or r.user_id) for r in entry.audience.all())
    assert rows == sorted(
        [("department", org.sales.pk), ("group", groups.team.pk), ("user", org.developer.pk)]
    )
    assert not entry.audience_everyone


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_empty_post_is_refused_and_nothing_is_written(org, body):
    with pytest.raises(ValidationError) as exc:
        post(org.east_rep, body)
    assert "body" in exc.value.message_dict
    assert Entry.objects.count() == 0


def test_post_without_audience_is_refused(org):
    with pytest.raises(ValidationError) as exc:
        services.post_create(actor=org.east_rep, body="Hi", audience=Audience())
    assert "audience" in exc.value.message_dict
    assert Entry.objects.count() == 0


def test_posting_to_a_secret_group_one_is_not_in_is_refused(org, groups):
    with pytest.raises(ValidationError) as exc:
        post(org.east_rep, "Psst", groups=[groups.secret])
    assert "groups" in exc.value.message_dict
    assert Entry.objects.count() == 0


def test_posting_to_an_open_group_one_is_not_in_is_refused_but_admins_may(org, groups):
    with pytest.raises(ValidationError):
        post(org.developer, "Hello team", groups=[groups.team])
    assert post(org.admin, "Hello team", groups=[groups.team, groups.secret]).pk


def test_unknown_people_and_departments_are_refused(org):
    with pytest.raises(ValidationError) as exc:
        post(org.east_rep, "Hi", users=[999_999], departments=[888_888])
    assert {"users", "departments"} <= set(exc.value.message_dict)


def test_anonymous_cannot_post(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        post(AnonymousUser(), "Hi")


def test_author_edits_post_and_it_is_marked_edited(org):
    entry = post(org.east_rep, "Frist")
    services.post_update(actor=org.east_rep, entry=entry, body="First")
    entry.refresh_from_db()
    assert entry.body == "First" and entry.edited_at is not None
    assert AuditLog.objects.filter(action="stream.post_update", target_id=str(entry.pk)).exists()


def test_others_cannot_edit_and_outsiders_get_404(org):
    entry = post(org.east_rep, "Mine", users=[org.sales_rep])
    with pytest.raises(PermissionDenied):
        services.post_update(actor=org.sales_rep, entry=entry, body="Hijacked")
    with pytest.raises(NotFound):
        services.post_update(actor=org.developer, entry=entry, body="Hijacked")
    with pytest.raises(ValidationError):
        services.post_update(actor=org.east_rep, entry=entry, body="")
    entry.refresh_from_db()
    assert entry.body == "Mine" and entry.edited_at is None


def test_author_and_admin_delete_but_others_may_not(org):
    first, second = post(org.east_rep, "One"), post(org.east_rep, "Two")
    with pytest.raises(PermissionDenied):
        services.entry_delete(actor=org.sales_rep, entry=first)
    services.entry_delete(actor=org.east_rep, entry=first)
    services.entry_delete(actor=org.admin, entry=second)
    assert Entry.objects.count() == 0


# --- mentions ----------------------------------------------------------------------------------------


def test_mentions_notify_only_people_who_can_see_the_post(org, groups, notified):
    text = f"Ask @[Dev](user:{org.developer.pk}) and @[Sales](user:{org.sales_head.pk})"
    post(org.east_rep, text, groups=[groups.team])  # sales_head is in the team, developer is not
    [call] = kinds(notified, "mention")
    assert call["recipients"] == [org.sales_head.pk]
    assert "@Dev" in call["body"]


def test_editing_notifies_only_newly_mentioned_people(org, notified):
    entry = post(org.east_rep, f"Hi @[A](user:{org.developer.pk})")
    services.post_update(
        actor=org.east_rep, entry=entry, body=f"Hi @[A](user:{org.developer.pk}) @[B](user:{org.it_head.pk})"
    )
    assert [c["recipients"] for c in kinds(notified, "mention")] == [[org.developer.pk], [org.it_head.pk]]


# --- comments ----------------------------------------------------------------------------------------


def test_comment_notifies_author_and_counts(org, notified):
    entry = post(org.east_rep, "Lunch?")
    comment = services.comment_create(actor=org.sales_rep, entry=entry, body="Yes!")
    entry.refresh_from_db()
    assert entry.comments_count == 1 and comment.parent is None
    [call] = kinds(notified, "comment")
    assert call["recipients"] == [org.east_rep.pk]


def test_replies_stay_one_level_deep(org):
    entry = post(org.east_rep, "Q")
    top = services.comment_create(actor=org.sales_rep, entry=entry, body="A")
    reply = services.comment_create(actor=org.east_rep, entry=entry, body="B", parent=top)
    deeper = services.comment_create(actor=org.sales_rep, entry=entry, body="C", parent=reply)
    assert reply.parent_id == top.pk and deeper.parent_id == top.pk


def test_empty_comment_is_refused(org):
    entry = post(org.east_rep, "Q")
    with pytest.raises(ValidationError):
        services.comment_create(actor=org.sales_rep, entry=entry, body="  ")
    entry.refresh_from_db()
    assert entry.comments_count == 0 and Comment.objects.count() == 0


def test_outsider_cannot_comment_on_a_hidden_post(org):
    entry = post(org.east_rep, "Sales only", departments=[org.sales])
    with pytest.raises(NotFound):
        services.comment_create(actor=org.developer, entry=entry, body="Hi")


def test_comment_edit_and_delete_rules(org):
    entry = post(org.east_rep, "Q")
    comment = services.comment_create(actor=org.sales_rep, entry=entry, body="A")
    services.comment_create(actor=org.east_rep, entry=entry, body="B", parent=comment)
    with pytest.raises(PermissionDenied):
        services.comment_update(actor=org.east_rep, comment=comment, body="Changed")
    services.comment_update(actor=org.sales_rep, comment=comment, body="A!")
    comment.refresh_from_db()
    assert comment.body == "A!" and comment.edited_at
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=org.east_head, comment=comment)
    services.comment_delete(actor=org.admin, comment=comment)
    entry.refresh_from_db()
    assert entry.comments_count == 0 and Comment.objects.count() == 0


# --- likes -------------------------------------------------------------------------------------------


def test_like_once_and_take_back(org, notified):
    entry = post(org.east_rep, "Like me")
    assert services.like_add(actor=org.sales_rep, entry=entry) is True
    assert services.like_add(actor=org.sales_rep, entry=entry) is False
    entry.refresh_from_db()
    assert entry.likes_count == 1 and Like.objects.count() == 1
    assert kinds(notified, "like")[0]["recipients"] == [org.east_rep.pk]
    assert services.like_toggle(actor=org.sales_rep, entry=entry) is False
    entry.refresh_from_db()
    assert entry.likes_count == 0


def test_the_database_refuses_a_second_like(org):
    entry = post(org.east_rep, "Like me")
    Like.objects.create(entry=entry, user=org.sales_rep)
    with pytest.raises(IntegrityError), transaction.atomic():
        Like.objects.create(entry=entry, user=org.sales_rep)


# --- polls -------------------------------------------------------------------------------------------


def _poll(author, *, multiple=False, anonymous=False, closes_at=None, **audience):
    spec = PollSpec(
        question="Where to?",
        options=["Lake", "Mountains", "City"],
        multiple=multiple,
        anonymous=anonymous,
        closes_at=closes_at,
    )
    return post(author, "Summer party", poll=spec, **audience).poll


def test_vote_counts_once(org):
    poll = _poll(org.east_rep)
    lake = poll.options.get(text="Lake")
    services.poll_vote(actor=org.sales_rep, poll=poll, option_ids=[lake.pk])
    with pytest.raises(ValidationError) as exc:
        services.poll_vote(actor=org.sales_rep, poll=poll, option_ids=[lake.pk])
    assert "already" in str(exc.value)
    lake.refresh_from_db()
    poll.refresh_from_db()
    assert lake.votes_count == 1 and poll.voters_count == 1 and PollBallot.objects.count() == 1


def test_the_database_refuses_a_second_ballot(org):
    poll = _poll(org.east_rep)
    PollBallot.objects.create(poll=poll, user=org.sales_rep)
    with pytest.raises(IntegrityError), transaction.atomic():
        PollBallot.objects.create(poll=poll, user=org.sales_rep)


def test_single_choice_takes_one_answer_multiple_takes_several(org):
    single, several = _poll(org.east_rep), _poll(org.east_rep, multiple=True)
    with pytest.raises(ValidationError):
        services.poll_vote(
            actor=org.sales_rep, poll=single, option_ids=[o.pk for o in single.options.all()[:2]]
        )
    services.poll_vote(
        actor=org.sales_rep, poll=several, option_ids=[o.pk for o in several.options.all()[:2]]
    )
    assert PollVote.objects.filter(option__poll=several).count() == 2
    with pytest.raises(ValidationError):
        services.poll_vote(actor=org.east_head, poll=single, option_ids=[several.options.first().pk])
    with pytest.raises(ValidationError):
        services.poll_vote(actor=org.east_head, poll=single, option_ids=[])


def test_voting_on_a_closed_poll_is_refused_and_changes_nothing(org):
    poll = _poll(org.east_rep)
    services.poll_close(poll=poll, actor=org.east_rep)
    with pytest.raises(ValidationError) as exc:
        services.poll_vote(actor=org.sales_rep, poll=poll, option_ids=[poll.options.first().pk])
    assert "closed" in str(exc.value)
    assert PollBallot.objects.count() == 0 and sum(o.votes_count for o in poll.options.all()) == 0


def test_poll_past_its_closing_time_is_closed(org):
    poll = _poll(org.east_rep, closes_at=timezone.now() + datetime.timedelta(hours=1))
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    poll.refresh_from_db()
    with pytest.raises(ValidationError):
        services.poll_vote(actor=org.sales_rep, poll=poll, option_ids=[poll.options.first().pk])


def test_anonymous_votes_are_not_linked_to_the_voter(org):
    poll = _poll(org.east_rep, anonymous=True)
    services.poll_vote(actor=org.sales_rep, poll=poll, option_ids=[poll.options.first().pk])
    assert PollVote.objects.get().ballot_id is None
    assert PollBallot.objects.filter(user=org.sales_rep).exists()


def test_closing_time_in_the_past_and_bad_options_are_refused(org):
    spec = PollSpec(question="?", options=["Only one"], closes_at=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        post(org.east_rep, "Poll", poll=spec)
    assert {"poll_options", "poll_closes_at"} <= set(exc.value.message_dict)
    assert Entry.objects.count() == 0


def test_sweep_closes_due_polls_and_notifies_the_author_once(org, notified):
    poll = _poll(org.east_rep, closes_at=timezone.now() + datetime.timedelta(hours=1))
    assert services.polls_close_due() == 0
    later = timezone.now() + datetime.timedelta(hours=2)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.polls_close_due(now=later) == 1
    assert services.polls_close_due(now=later) == 0
    [call] = kinds(notified, "poll_closed")
    assert call["recipients"] == [org.east_rep.pk]


def test_only_the_author_closes_a_poll(org):
    poll = _poll(org.east_rep)
    with pytest.raises(PermissionDenied):
        services.poll_close(poll=poll, actor=org.sales_rep)
    poll.refresh_from_db()
    assert poll.closed_at is None


# --- important announcements -------------------------------------------------------------------------


def test_important_post_notifies_audience_and_read_is_recorded_once(org, notified):
    entry = post(org.ceo, "New office rules", departments=[org.sales], is_important=True)
    [call] = kinds(notified, "announcement")
    expected = {
        org.sales_head.pk,
        org.sales_rep.pk,
        org.east_head.pk,
        org.east_rep.pk,
        org.field_rep.pk,
        org.admin.pk,
    }
    assert set(call["recipients"]) == expected | {org.ceo.pk}
    services.announcement_read(actor=org.east_rep, entry=entry)
    services.announcement_read(actor=org.east_rep, entry=entry)
    assert EntryRead.objects.filter(entry=entry).count() == 1


def test_confirming_an_ordinary_post_is_refused(org):
    entry = post(org.ceo, "Just news")
    with pytest.raises(ValidationError):
        services.announcement_read(actor=org.east_rep, entry=entry)


# --- published events --------------------------------------------------------------------------------


def test_entry_publish_stores_an_event_with_its_audience_and_template(org, groups):
    entry = services.entry_publish(
        actor=org.east_rep,
        verb="group.created",
        target=groups.team,
        audience=Audience(groups=[groups.team]),
        template="stream/events/default.html",
        context={"extra": 1},
    )
    assert entry.kind == "event" and entry.verb == "group.created"
    assert (
        entry.context["target_repr"] == "Website relaunch"
        and entry.context["target_url"] == groups.team.get_absolute_url()
    )
    assert list(Entry.objects.visible_to(org.sales_head)) == [entry]
    assert list(Entry.objects.visible_to(org.developer)) == []


def test_entry_publish_checks_template_and_audience(org, groups):
    with pytest.raises(ValueError):
        services.entry_publish(
            actor=org.east_rep,
            verb="x",
            target=None,
            audience=Audience(everyone=True),
            template="stream/events/missing.html",
        )
    with pytest.raises(ValidationError):
        services.entry_publish(
            actor=org.east_rep,
            verb="x",
            target=None,
            audience=Audience(groups=[groups.secret]),
            template="stream/events/default.html",
        )
    assert Entry.objects.count() == 0


# --- photos ------------------------------------------------------------------------------------------


def test_post_with_photos_makes_an_album_and_thumbnails(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = post(
            org.east_rep,
            "Team day",
            photos=[image_upload("a.png"), image_upload("b.jpg", "JPEG")],
            album_title="Team day",
        )
    album = Album.objects.get(entry=entry)
    assert album.title == "Team day" and album.photos_count == 2
    photos = list(album.photos.order_by("id"))
    assert [p.content_type for p in photos] == ["image/png", "image/jpeg"]
    assert all(p.thumbnail for p in photos) and photos[0].width == 64


def test_a_non_image_among_photos_saves_nothing(org, settings, tmp_path):
    with pytest.raises(ValidationError) as exc:
        post(org.east_rep, "Photos", photos=[image_upload("ok.png"), text_upload("fake.png")])
    assert "fake.png" in " ".join(exc.value.message_dict["photos"])
    assert Entry.objects.count() == 0 and Photo.objects.count() == 0


def test_an_oversized_photo_saves_nothing(org, settings):
    settings.LUMEN_PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        post(org.east_rep, "Photos", photos=[image_upload("big.png", size=(300, 300))])
    assert "too large" in " ".join(exc.value.message_dict["photos"])
    assert Entry.objects.count() == 0 and Photo.objects.count() == 0


def test_only_the_author_adds_photos(org):
    entry = post(org.east_rep, "Album")
    with pytest.raises(PermissionDenied):
        services.album_photos_add(actor=org.sales_rep, entry=entry, files=[image_upload()])
    photos = services.album_photos_add(actor=org.east_rep, entry=entry, files=[image_upload()])
    assert len(photos) == 1


def test_photo_comments_and_likes_count_on_the_photo(org, notified):
    entry = post(org.east_rep, "Album", photos=[image_upload()])
    photo = Photo.objects.get()
    services.comment_create(actor=org.sales_rep, entry=entry, body="Nice", photo=photo)
    services.like_add(actor=org.sales_rep, entry=entry, photo=photo)
    photo.refresh_from_db()
    entry.refresh_from_db()
    assert (photo.comments_count, photo.likes_count) == (1, 1)
    assert (entry.comments_count, entry.likes_count) == (0, 0)
