"""Comment services: add, edit, delete; mentions, unseen-comment counters, search text and rights."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.models import AuditLog
from portal.groups.choices import GroupVisibility
from portal.notifications.models import Notification
from portal.stream.mentions import mention_markup
from tasks import services
from tasks.models import TaskComment, TaskView
from tests.groups.factories import WorkgroupFactory
from tests.tasks import content_setup
from tests.tasks.content_setup import DENIED, HIDDEN, OK, assert_numbers_right, audit_actions, check
from tests.tasks.factories import (
    TaskCommentFactory,
    TaskFactory,
)

# Fixtures shared with the other test modules of this subject.
people = content_setup.people
recounts = content_setup.recounts
search_refresh = content_setup.search_refresh
task = content_setup.task


# --- comments ----------------------------------------------------------------------------------------


def test_comment_add_counts_notifies_and_marks_seen(task, people, recounts, search_refresh):
    comment = services.comment_add(actor=people.participant, task=task, body="  Draft is ready. ")
    assert comment.body == "Draft is ready."
    assert_numbers_right(task)
    assert task.comments_count == 1 and task.last_comment_at == comment.created_at
    view = TaskView.objects.get(task=task, user=people.participant)
    assert view.seen_at == comment.created_at
    notified = set(
        Notification.objects.filter(kind="task_comment").values_list("recipient__email", flat=True)
    )
    assert notified == {people.creator.email, people.responsible.email, people.observer.email}
    note = Notification.objects.filter(kind="task_comment").first()
    assert note.url == f"{task.get_absolute_url()}#comment-{comment.pk}"
    assert search_refresh == [[task.pk]]
    assert recounts == [
        (
            {people.creator.pk, people.responsible.pk, people.observer.pk, people.participant.pk},
            ["tasks.unseen_comments"],
        )
    ]
    assert audit_actions(task) == ["task.comment_add"]


def test_comments_are_searchable_until_deleted(task, people):
    comment = services.comment_add(actor=people.creator, task=task, body="Ask @[Bo](user:1) about zeppelins")
    task.refresh_from_db()
    assert "zeppelins" in task.search_text and "@Bo" in task.search_text
    services.comment_edit(actor=people.creator, comment=comment, body="Ask about airships")
    task.refresh_from_db()
    assert "airships" in task.search_text and "zeppelins" not in task.search_text
    services.comment_delete(actor=people.creator, comment=comment)
    task.refresh_from_db()
    assert "airships" not in task.search_text and "Prepare the offer" in task.search_text


def test_comment_add_updates_an_existing_view(task, people):
    TaskView.objects.create(task=task, user=people.creator)
    comment = services.comment_add(actor=people.creator, task=task, body="Again")
    assert TaskView.objects.filter(task=task, user=people.creator).count() == 1
    assert TaskView.objects.get(task=task, user=people.creator).seen_at == comment.created_at


def test_mentions_notify_only_people_who_see_the_task(task, people, org):
    body = (
        f"{mention_markup(people.supervisor)} and {mention_markup(people.outsider)} "
        f"and {mention_markup(people.observer)}, please look."
    )
    services.comment_add(actor=people.responsible, task=task, body=body)
    mentioned = set(Notification.objects.filter(kind="mention").values_list("recipient_id", flat=True))
    # The outsider does not see the task: the mention gives them nothing (and the task stays hidden).
    assert mentioned == {people.supervisor.pk, people.observer.pk}
    commented = set(Notification.objects.filter(kind="task_comment").values_list("recipient_id", flat=True))
    # The observer heard of it through the mention already; the author never hears of their own comment.
    assert commented == {people.creator.pk, people.participant.pk}
    assert not Notification.objects.filter(recipient=people.outsider).exists()
    mention = Notification.objects.get(kind="mention", recipient=people.supervisor)
    assert "@" in mention.body and "(user:" not in mention.body


def test_mentioning_oneself_sends_nothing(task, people):
    services.comment_add(actor=people.creator, task=task, body=f"Note to {mention_markup(people.creator)}")
    assert not Notification.objects.filter(recipient=people.creator).exists()


@pytest.mark.parametrize(
    "body, message",
    [("", "Write a comment first."), ("  \n ", "Write a comment first."), ("x" * 10_001, "too long")],
)
def test_comment_body_is_validated(task, people, body, message):
    with pytest.raises(ValidationError) as exc:
        services.comment_add(actor=people.creator, task=task, body=body)
    assert message in exc.value.message_dict["body"][0]
    assert not TaskComment.objects.exists()
    assert_numbers_right(task)


def test_comment_of_10000_characters_is_fine(task, people):
    assert services.comment_add(actor=people.creator, task=task, body="x" * 10_000).pk


@pytest.mark.parametrize(
    "role, expected",
    [
        ("creator", OK),
        ("responsible", OK),
        ("participant", OK),
        ("observer", OK),
        ("supervisor", OK),
        ("outsider", HIDDEN),
        ("admin", OK),
    ],
)
def test_comment_add_rights(task, people, role, expected):
    check(expected, lambda: services.comment_add(actor=getattr(people, role), task=task, body="Hi"))
    assert TaskComment.objects.filter(task=task).exists() == (expected == OK)


def test_group_members_of_an_open_group_may_comment(people):
    group = WorkgroupFactory(visibility=GroupVisibility.OPEN)
    task = TaskFactory(creator=people.creator, responsible=people.responsible, group=group)
    assert services.comment_add(actor=people.outsider, task=task, body="Seen it").pk


def test_inactive_people_cannot_comment(task, people):
    people.participant.is_active = False
    people.participant.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=people.participant, task=task, body="Hi")


def test_comment_edit_by_the_author(task, people, search_refresh):
    comment = services.comment_add(actor=people.participant, task=task, body="First")
    search_refresh.clear()
    services.comment_edit(actor=people.participant, comment=comment, body=" Second ")
    comment.refresh_from_db()
    assert comment.body == "Second" and comment.edited_at is not None
    assert search_refresh == [[task.pk]]
    log = AuditLog.objects.get(action="task.comment_edit", target_id=str(task.pk))
    assert log.changes["body"] == ["First", "Second"]


def test_comment_edit_without_change_does_nothing(task, people):
    comment = services.comment_add(actor=people.participant, task=task, body="Same")
    services.comment_edit(actor=people.participant, comment=comment, body="Same")
    comment.refresh_from_db()
    assert comment.edited_at is None
    assert "task.comment_edit" not in audit_actions(task)


def test_comment_edit_notifies_only_newly_mentioned_people(task, people):
    comment = services.comment_add(
        actor=people.responsible, task=task, body=f"Hi {mention_markup(people.observer)}"
    )
    services.comment_edit(
        actor=people.responsible,
        comment=comment,
        body=f"Hi {mention_markup(people.observer)} and {mention_markup(people.supervisor)}",
    )
    mentions = list(Notification.objects.filter(kind="mention").values_list("recipient_id", flat=True))
    assert sorted(mentions) == sorted([people.observer.pk, people.supervisor.pk])


def test_comment_edit_validates(task, people):
    comment = services.comment_add(actor=people.participant, task=task, body="Keep")
    with pytest.raises(ValidationError):
        services.comment_edit(actor=people.participant, comment=comment, body=" ")
    comment.refresh_from_db()
    assert comment.body == "Keep"


@pytest.mark.parametrize(
    "role, expected",
    [
        ("participant", OK),  # the author
        ("creator", DENIED),
        ("responsible", DENIED),
        ("observer", DENIED),
        ("outsider", HIDDEN),
        ("admin", DENIED),
    ],
)
def test_comment_edit_rights(task, people, role, expected):
    comment = TaskCommentFactory(task=task, author=people.participant, body="Mine")
    check(
        expected, lambda: services.comment_edit(actor=getattr(people, role), comment=comment, body="Edited")
    )
    comment.refresh_from_db()
    assert (comment.body == "Edited") == (expected == OK)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("participant", OK),  # the author
        ("creator", OK),
        ("admin", OK),
        ("responsible", DENIED),
        ("observer", DENIED),
        ("supervisor", DENIED),
        ("outsider", HIDDEN),
    ],
)
def test_comment_delete_rights(task, people, role, expected):
    comment = services.comment_add(actor=people.participant, task=task, body="Mine")
    check(expected, lambda: services.comment_delete(actor=getattr(people, role), comment=comment))
    assert TaskComment.objects.filter(pk=comment.pk).exists() == (expected != OK)
    assert_numbers_right(task)


def test_comment_delete_keeps_the_numbers_right(task, people, recounts, search_refresh):
    first = services.comment_add(actor=people.creator, task=task, body="First")
    second = services.comment_add(actor=people.responsible, task=task, body="Second")
    recounts.clear()
    search_refresh.clear()
    services.comment_delete(actor=people.responsible, comment=second)
    assert_numbers_right(task)
    assert task.last_comment_at == first.created_at and task.comments_count == 1
    assert search_refresh == [[task.pk]]
    assert recounts[0][1] == ["tasks.unseen_comments"]
    assert people.observer.pk in recounts[0][0]
    services.comment_delete(actor=people.creator, comment=first)
    assert_numbers_right(task)
    assert task.last_comment_at is None and task.comments_count == 0
    assert audit_actions(task).count("task.comment_delete") == 2
