"""The discussion under pages: comments and one level of replies, mentions, likes, and the moderation of a
moderated space (waiting comments seen by their author and the moderator only; approve and reject from the
queue)."""

from __future__ import annotations

import pytest

from knowledgebase.choices import EveryoneAccess
from knowledgebase.models import CommentStatus, PageComment, PageCommentLike
from knowledgebase.selectors.discussion import comment_get, moderation_queue, page_comments, pending_counts
from knowledgebase.services import discussion as services
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.notifications.models import Notification
from portal.stream.mentions import mention_markup
from tests.knowledgebase.factories_governance import CommentFactory, governance_world

pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


def test_a_comment_in_an_open_space_is_published_and_its_editor_told(org):
    world = governance_world(org)
    comment = services.comment_add(actor=org.developer, page=world.rules, body="Where is the template?")
    assert comment.status == CommentStatus.APPROVED
    assert [c.pk for c in page_comments(user=org.field_rep, page=world.rules)] == [comment.pk]
    assert _kinds(org.sales_head) == ["kb_comment"]
    # The page with a responsible editor of its own tells them, not the space's.
    services.comment_add(actor=org.developer, page=world.report, body="Typo in step 2")
    assert _kinds(org.east_head) == ["kb_comment"]
    assert _kinds(org.sales_head) == ["kb_comment"]


def test_a_reply_hangs_under_its_top_comment_and_tells_its_author(org):
    world = governance_world(org)
    top = services.comment_add(actor=org.developer, page=world.rules, body="Question")
    reply = services.comment_add(actor=org.sales_rep, page=world.rules, body="Answer", parent=top)
    deeper = services.comment_add(actor=org.east_rep, page=world.rules, body="Thanks", parent=reply)
    assert reply.parent_id == top.pk and deeper.parent_id == top.pk  # one level only
    thread = page_comments(user=org.developer, page=world.rules)
    assert [c.pk for c in thread] == [top.pk]
    assert [r.pk for r in thread[0].thread_replies] == [reply.pk, deeper.pk]
    assert "kb_comment" in _kinds(org.developer)
    with pytest.raises(Invalid):
        services.comment_add(actor=org.developer, page=world.report, body="x", parent=top)


def test_mentions_tell_only_people_who_read_the_page(org):
    world = governance_world(org, everyone=EveryoneAccess.NONE)
    # Nobody but the responsible editor (and admins) reads this space: a mention tells no outsider.
    body = f"{mention_markup(org.developer)} and {mention_markup(org.admin)} please look"
    services.comment_add(actor=org.sales_head, page=world.rules, body=body)
    assert _kinds(org.developer) == []
    assert _kinds(org.admin) == ["mention"]


def test_an_outsider_cannot_comment_or_see_comments_of_a_hidden_page(org):
    world = governance_world(org, everyone=EveryoneAccess.NONE)
    comment = CommentFactory(page=world.rules, author=org.sales_head)
    with pytest.raises(NotFound):
        services.comment_add(actor=org.developer, page=world.rules, body="hello")
    with pytest.raises(NotFound):
        comment_get(user=org.developer, pk=comment.pk)
    with pytest.raises(NotFound):
        services.comment_like_toggle(actor=org.developer, comment=comment)


def test_a_moderated_comment_waits_seen_by_its_author_and_the_moderator_only(org):
    world = governance_world(org, moderated=True)
    comment = services.comment_add(actor=org.developer, page=world.rules, body="Can we change rule 3?")
    assert comment.status == CommentStatus.PENDING
    assert [c.pk for c in page_comments(user=org.developer, page=world.rules)] == [comment.pk]
    assert [c.pk for c in page_comments(user=org.sales_head, page=world.rules)] == [comment.pk]
    assert page_comments(user=org.field_rep, page=world.rules) == []
    with pytest.raises(NotFound):
        comment_get(user=org.field_rep, pk=comment.pk)
    # The moderator is told and their counter counts it; nobody else hears of it yet.
    assert _kinds(org.sales_head) == ["kb_moderation"]
    assert pending_counts([org.sales_head.pk, org.east_head.pk]) == {org.sales_head.pk: 1}
    assert [c.pk for c in moderation_queue(user=org.sales_head)] == [comment.pk]
    assert list(moderation_queue(user=org.east_head)) == []  # answers for the other page only
    assert list(moderation_queue(user=org.developer)) == []
    # The moderator's own comment needs no approval.
    own = services.comment_add(actor=org.sales_head, page=world.rules, body="Noted")
    assert own.status == CommentStatus.APPROVED


def test_the_moderator_approves_and_everyone_then_sees_it(org):
    world = governance_world(org, moderated=True)
    body = f"Ask {mention_markup(org.it_head)}"
    comment = services.comment_add(actor=org.developer, page=world.rules, body=body)
    assert _kinds(org.it_head) == []  # a waiting comment's mentions wait too
    with pytest.raises(NotFound):  # a reader who does not see the waiting comment
        services.comment_approve(actor=org.field_rep, comment=comment)
    with pytest.raises(NotAllowed):  # its author sees it, but does not moderate
        services.comment_approve(actor=org.developer, comment=comment)
    services.comment_approve(actor=org.sales_head, comment=comment)
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == (CommentStatus.APPROVED, org.sales_head)
    assert [c.pk for c in page_comments(user=org.field_rep, page=world.rules)] == [comment.pk]
    assert _kinds(org.developer) == ["kb_moderation"]
    assert _kinds(org.it_head) == ["mention"]
    assert pending_counts([org.sales_head.pk]) == {}
    with pytest.raises(Invalid) as second:
        services.comment_approve(actor=org.sales_head, comment=comment)
    assert second.value.code == "already_decided"


def test_a_rejected_comment_stays_with_its_author(org):
    world = governance_world(org, moderated=True)
    comment = services.comment_add(actor=org.developer, page=world.rules, body="Spam")
    services.comment_reject(actor=org.sales_head, comment=comment, reason="Off topic")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.REJECTED
    assert [c.pk for c in page_comments(user=org.developer, page=world.rules)] == [comment.pk]
    assert page_comments(user=org.field_rep, page=world.rules) == []
    assert list(moderation_queue(user=org.sales_head)) == []
    note = Notification.objects.get(recipient=org.developer)
    assert note.body == "Off topic"


def test_likes_toggle_and_count_once(org):
    world = governance_world(org)
    comment = CommentFactory(page=world.rules, author=org.developer)
    assert services.comment_like_toggle(actor=org.sales_rep, comment=comment) is True
    comment.refresh_from_db()
    assert comment.likes_count == 1 and _kinds(org.developer) == ["like"]
    assert services.comment_like_toggle(actor=org.sales_rep, comment=comment) is False
    comment.refresh_from_db()
    assert comment.likes_count == 0 and not PageCommentLike.objects.exists()


def test_only_the_author_edits_and_the_moderator_may_delete(org):
    world = governance_world(org)
    comment = CommentFactory(page=world.rules, author=org.developer)
    with pytest.raises(NotAllowed):
        services.comment_edit(actor=org.sales_head, comment=comment, body="changed")
    services.comment_edit(actor=org.developer, comment=comment, body="changed")
    comment.refresh_from_db()
    assert comment.body == "changed" and comment.edited_at is not None
    with pytest.raises(NotAllowed):
        services.comment_delete(actor=org.field_rep, comment=comment)
    services.comment_delete(actor=org.sales_head, comment=comment)
    assert not PageComment.objects.filter(pk=comment.pk).exists()
