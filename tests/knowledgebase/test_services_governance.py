"""Governance: the responsible editor's "verified" mark (expiring at the review-by date), the daily sweep of
pages due for review (told once per date), broken links reported after a save, and the stored counters (the
incremental path gives what the nightly rebuild gives), the dashboard column and the digest line."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from knowledgebase.choices import EveryoneAccess
from knowledgebase.jobs import kb_governance_daily
from knowledgebase.selectors.governance import page_verification, pages_to_review, pages_to_review_counts
from knowledgebase.services import discussion as discussion_services
from knowledgebase.services import familiarisation as reading_services
from knowledgebase.services import governance as services
from knowledgebase.services.pages import page_update
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.registry import registry
from portal.notifications.counters import counters_rebuild_all
from portal.notifications.models import Notification, UserCounter
from tests.knowledgebase.factories_governance import CampaignFactory, governance_world, reading_laid

pytestmark = pytest.mark.django_db

KB_COUNTERS = ["kb.pages_to_review", "kb.comments_pending", "kb.to_read", "kb.reading_overdue"]


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _stored() -> dict:
    return {
        (row.user_id, row.key): row.value
        for row in UserCounter.objects.filter(key__in=KB_COUNTERS, value__gt=0)
    }


def test_the_editor_marks_a_page_verified_until_its_review_by_date(org):
    world = governance_world(org)
    with pytest.raises(NotAllowed):
        services.page_verify(actor=org.east_rep, page=world.rules)
    with pytest.raises(NotAllowed):  # the page with its own editor is theirs to verify
        services.page_verify(actor=org.sales_head, page=world.report)
    with pytest.raises(Invalid):
        services.page_verify(actor=org.sales_head, page=world.rules, next_review=timezone.localdate())
    mark = services.page_verify(actor=org.sales_head, page=world.rules, next_review=_in(30))
    world.rules.refresh_from_db()
    assert world.rules.review_by == _in(30)
    assert page_verification(page=world.rules) == mark
    assert mark.verified_by == org.sales_head
    # The mark expires once the review-by date has passed.
    assert page_verification(page=world.rules, today=_in(30)) == mark
    assert page_verification(page=world.rules, today=_in(31)) is None
    hidden = governance_world(org, everyone=EveryoneAccess.NONE)
    with pytest.raises(NotFound):
        services.page_verify(actor=org.developer, page=hidden.rules)


def test_pages_due_for_review_are_counted_and_their_editor_told_once(org):
    world = governance_world(org)
    type(world.rules).objects.filter(pk=world.rules.pk).update(review_by=_in(-3))
    type(world.report).objects.filter(pk=world.report.pk).update(review_by=_in(5))
    assert pages_to_review_counts([org.sales_head.pk, org.east_head.pk]) == {org.sales_head.pk: 1}
    assert [p.pk for p in pages_to_review(user=org.sales_head)] == [world.rules.pk]
    result = kb_governance_daily()
    assert result["review_told"] == 1
    assert kb_governance_daily()["review_told"] == 0  # a second run tells nobody again
    assert Notification.objects.filter(recipient=org.sales_head, kind="kb_review").count() == 1
    assert UserCounter.objects.get(user=org.sales_head, key="kb.pages_to_review").value == 1
    # A review-by date moved forward without a revision: the next sweep recounts the editor.
    type(world.rules).objects.filter(pk=world.rules.pk).update(review_by=_in(20))
    kb_governance_daily()
    assert UserCounter.objects.get(user=org.sales_head, key="kb.pages_to_review").value == 0
    # Verifying takes the page off the list.
    type(world.rules).objects.filter(pk=world.rules.pk).update(review_by=_in(-1))
    assert pages_to_review_counts([org.sales_head.pk]) == {org.sales_head.pk: 1}
    services.page_verify(actor=org.sales_head, page=world.rules)
    assert pages_to_review_counts([org.sales_head.pk]) == {}


def test_broken_links_are_reported_to_the_responsible_editor_after_a_save(
    org, django_capture_on_commit_callbacks
):
    world = governance_world(org)
    world.rules.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        page_update(
            actor=org.sales_head,
            page=world.rules,
            base_revision=world.rules.revision,
            title=world.rules.title,
            body="See [[Daily report]] and [[Vacation policy]].",
        )
    note = Notification.objects.get(recipient=org.sales_head, kind="kb_broken_links")
    assert "Vacation policy" in note.title and "Daily report" not in note.title
    # The same broken links the same day are not told again.
    assert services.page_links_check(page_id=world.rules.pk) == ["Vacation policy"]
    assert Notification.objects.filter(recipient=org.sales_head, kind="kb_broken_links").count() == 1


def test_the_counters_stored_incrementally_equal_the_nightly_rebuild(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world = governance_world(org, moderated=True)
        type(world.rules).objects.filter(pk=world.rules.pk).update(review_by=_in(-1))
        services.page_verify(actor=org.east_head, page=world.report, next_review=_in(10))
        discussion_services.comment_add(actor=org.developer, page=world.rules, body="Wait for me")
        discussion_services.comment_add(actor=org.sales_rep, page=world.report, body="And me")
        campaign = reading_services.campaign_create(
            actor=org.sales_head,
            space=world.space,
            title="Rules",
            pages=[world.rules, world.report],
            deadline=_in(5),
            departments=[org.east],
        )
        reading_services.reading_confirm(actor=org.east_rep, page=world.rules)
        late = CampaignFactory(space=world.space)
        reading_laid(late, world.rules, org.it_head, due_on=_in(-1))
        reading_services.reading_overdue_recount()  # the daily sweep: fell due yesterday
        services.review_due_notify()
    incremental = _stored()
    assert incremental[(org.sales_head.pk, "kb.comments_pending")] == 1
    assert incremental[(org.east_head.pk, "kb.comments_pending")] == 1
    assert incremental[(org.sales_head.pk, "kb.pages_to_review")] == 1
    assert incremental[(org.east_rep.pk, "kb.to_read")] == 1
    assert incremental[(org.field_rep.pk, "kb.to_read")] == 2
    assert incremental[(org.it_head.pk, "kb.reading_overdue")] == 1
    assert campaign.pk
    UserCounter.objects.filter(key__in=KB_COUNTERS).delete()
    counters_rebuild_all()
    assert _stored() == incremental


def test_the_dashboard_column_the_digest_line_and_the_home_card_are_registered():
    counter = registry.dashboard_counters["kb.reading_overdue"]
    assert counter.column == "kb_reading_overdue" and counter.amber_at == 1
    assert registry.digest_counters["kb.reading_overdue"].scope == "people"
    assert "kb.to_read" in registry.home_cards
    for key in ("kb_comment", "kb_moderation", "kb_review", "kb_broken_links", "kb_reading"):
        assert key in registry.notification_kinds
    assert "knowledgebase.jobs.kb_governance_daily" in {
        entry["task"]
        for entry in __import__("portal.celery", fromlist=["app"]).app.conf.beat_schedule.values()
    }


def test_a_review_date_or_editor_changed_in_the_editor_recounts_at_once(
    org, django_capture_on_commit_callbacks
):
    world = governance_world(org)
    type(world.rules).objects.filter(pk=world.rules.pk).update(review_by=_in(-3))
    kb_governance_daily()
    assert UserCounter.objects.get(user=org.sales_head, key="kb.pages_to_review").value == 1
    rules = type(world.rules).objects.get(pk=world.rules.pk)
    with django_capture_on_commit_callbacks(
        execute=True
    ):  # no new text: no revision, the counter moves anyway
        page_update(
            actor=org.sales_head, page=rules, base_revision=rules.revision, title=rules.title, body=rules.body,
            review_by=_in(30),
        )  # fmt: skip
    assert UserCounter.objects.get(user=org.sales_head, key="kb.pages_to_review").value == 0
    rules.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):  # due again, and handed to another editor
        page_update(
            actor=org.sales_head, page=rules, base_revision=rules.revision, title=rules.title, body=rules.body,
            review_by=_in(-1), responsible=org.east_head,
        )  # fmt: skip
    assert UserCounter.objects.get(user=org.east_head, key="kb.pages_to_review").value == 1
    assert not UserCounter.objects.filter(user=org.sales_head, key="kb.pages_to_review", value__gt=0).exists()
