"""Governance in the pages: the page's parts (loaded by htmx), the thread and the confirm block answered as
partials to htmx, the badge's actions for the editor only, newcomers of a group enrolled, and the digests'
line of the overdue counter."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledgebase.models import CommentStatus, PageComment, ReadingAssignment
from knowledgebase.services import familiarisation as reading_services
from tests.knowledgebase.factories_governance import CampaignFactory, governance_world, reading_laid
from tests.utils import client_as

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_page_loads_the_badge_the_confirm_block_and_the_discussion(org):
    world = governance_world(org)
    html = client_as(org.east_rep).get(world.rules.get_absolute_url()).content.decode()
    for route in ("kb:page_governance", "kb:page_reading", "kb:page_discussion"):
        assert f'hx-get="{reverse(route, args=[world.rules.pk])}"' in html


def test_a_comment_posted_with_htmx_answers_the_thread(org):
    world = governance_world(org, moderated=True)
    client = client_as(org.east_rep)
    response = client.post(
        reverse("kb:comment_add", args=[world.rules.pk]),
        {"body": "Is rule 2 new?"},
        format="multipart",
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="kb-discussion"' in html and "Is rule 2 new?" in html and "Waiting for approval" in html
    assert PageComment.objects.get().status == CommentStatus.PENDING
    empty = client.post(
        reverse("kb:comment_add", args=[world.rules.pk]), {"body": " "}, format="multipart", **HTMX
    )
    assert empty.status_code == 200 and "alert-danger" in empty.content.decode()
    # Another reader does not see the waiting comment in the thread.
    other = client_as(org.field_rep).get(reverse("kb:page_discussion", args=[world.rules.pk]), **HTMX)
    assert "Is rule 2 new?" not in other.content.decode()


def test_the_confirm_block_asks_the_question_and_thanks(org):
    world = governance_world(org)
    campaign = CampaignFactory(
        space=world.space, question="Who answers?", options=["Nobody", "The editor"], answer=1
    )
    reading_laid(campaign, world.rules, org.east_rep)
    client = client_as(org.east_rep)
    block = client.get(reverse("kb:page_reading", args=[world.rules.pk]), **HTMX).content.decode()
    assert "I have read and understood" in block and "Who answers?" in block
    url = reverse("kb:reading_confirm", args=[world.rules.pk])
    wrong = client.post(url, {f"answer_{campaign.pk}": "0"}, format="multipart", **HTMX).content.decode()
    assert "not the right answer" in wrong
    right = client.post(url, {f"answer_{campaign.pk}": "1"}, format="multipart", **HTMX)
    assert "You confirmed reading this page" in right.content.decode()
    assert right.headers["HX-Trigger"] == "kbReadingConfirmed"
    # Nobody asked the outsider-in-the-company: the block is empty for them.
    none = client_as(org.field_rep).get(reverse("kb:page_reading", args=[world.rules.pk]), **HTMX)
    assert "I have read and understood" not in none.content.decode()


def test_the_badge_offers_its_actions_to_the_editor_only(org):
    world = governance_world(org)
    url = reverse("kb:page_governance", args=[world.rules.pk])
    editor = client_as(org.sales_head).get(url, **HTMX).content.decode()
    assert "Mark verified" in editor and 'id="kb-ask-to-read"' in editor
    reader = client_as(org.east_rep).get(url, **HTMX).content.decode()
    assert "Mark verified" not in reader and "kb-ask-to-read" not in reader
    client_as(org.sales_head).post(
        reverse("kb:page_verify", args=[world.rules.pk]), {}, format="multipart", **HTMX
    )
    assert "Verified on" in client_as(org.east_rep).get(url, **HTMX).content.decode()


def test_a_new_member_of_a_group_in_the_audience_is_enrolled(org, django_capture_on_commit_callbacks):
    from portal.groups.models import Membership
    from tests.groups.factories import WorkgroupFactory

    world = governance_world(org)
    group = WorkgroupFactory()
    campaign = reading_services.campaign_create(
        actor=org.sales_head,
        space=world.space,
        title="Project rules",
        pages=[world.rules],
        deadline=timezone.localdate() + datetime.timedelta(days=5),
        groups=[group],
    )
    assert not ReadingAssignment.objects.filter(campaign=campaign).exists()
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.create(group=group, user=org.it_head)
    assert ReadingAssignment.objects.filter(campaign=campaign, user=org.it_head).exists()


def test_the_digest_reports_the_overdue_reading_of_the_supervisors_people():
    from reports.selectors.digests import digest_counters

    counter = {c.key: c for c in digest_counters()}["kb.reading_overdue"]
    assert counter.scope == "people" and str(counter.label) == "Knowledge base pages not read by the deadline"


def test_the_admin_lists_governance_rows_read_only(org):
    world = governance_world(org)
    campaign = CampaignFactory(space=world.space)
    reading_laid(campaign, world.rules, org.east_rep)
    client = client_as(org.admin)
    for model in ("pagecomment", "campaign", "readingassignment", "pageverification"):
        assert client.get(reverse(f"admin:knowledgebase_{model}_changelist")).status_code == 200
    assert client.get(reverse("admin:knowledgebase_campaign_add")).status_code == 403


def test_a_supervisor_opens_the_dashboard_cell_of_a_person_with_nothing_to_read(org):
    url = reverse("kb:reading_person", args=[org.field_rep.pk])
    assert client_as(org.sales_head).get(url).status_code == 200  # heads Sales, above East Field
    assert client_as(org.it_head).get(url).status_code == 404  # not their person
    assert client_as(org.field_rep).get(url).status_code == 200


def test_the_dashboard_cell_opens_the_persons_reading_in_place(org):
    from portal.core.registry import registry

    world = governance_world(org)
    late = CampaignFactory(space=world.space)
    reading_laid(late, world.rules, org.east_rep, due_on=timezone.localdate() - datetime.timedelta(days=2))
    counter = registry.dashboard_counters["kb.reading_overdue"]
    url = counter.detail(org.east_rep.pk)
    assert url == counter.url(org.east_rep.pk) == reverse("kb:reading_person", args=[org.east_rep.pk])
    fragment = client_as(org.sales_head).get(url, **HTMX).content.decode()
    assert (
        fragment.startswith('<div id="kb-reading-rows" class="control-detail"')
        and "Rules of work" in fragment
    )
    assert "text-bg-danger" in fragment  # overdue
