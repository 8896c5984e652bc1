"""Familiarisation campaigns: who is asked (departments with their sub-departments, groups, people, newcomers),
confirming a page (with a question answered right), newcomers enrolled as they join, a major revision asking
again and a minor one not, overdue requests, and who sees whose progress."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from knowledgebase.choices import EveryoneAccess
from knowledgebase.models import Campaign, ReadingAssignment, ReadingState
from knowledgebase.selectors.familiarisation import (
    campaign_progress,
    overdue_counts,
    page_reading,
    reading_list,
    to_read_counts,
)
from knowledgebase.services import familiarisation as services
from knowledgebase.services.pages import page_update
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.notifications.models import Notification
from tests.knowledgebase.factories_governance import CampaignFactory, governance_world, reading_laid
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _asked(campaign: Campaign) -> set[int]:
    return set(ReadingAssignment.objects.filter(campaign=campaign).values_list("user_id", flat=True))


def _start(org, world, **kwargs) -> Campaign:
    values = {
        "actor": org.sales_head,
        "space": world.space,
        "title": "Rules of work",
        "pages": [world.rules],
        "deadline": _in(7),
        "departments": [org.sales],
        **kwargs,
    }
    return services.campaign_create(**values)


def test_a_campaign_asks_its_department_with_sub_departments_and_tells_them(org):
    world = governance_world(org)
    campaign = _start(org, world, people=[org.developer])
    expected = {org.sales_head.pk, org.sales_rep.pk, org.east_head.pk, org.east_rep.pk, org.field_rep.pk}
    assert _asked(campaign) == expected | {org.developer.pk}
    assert Notification.objects.filter(kind="kb_reading", recipient=org.field_rep).count() == 1
    assert to_read_counts([org.field_rep.pk, org.it_head.pk]) == {org.field_rep.pk: 1}
    assert [r.page_id for r in reading_list(user=org.field_rep)] == [world.rules.pk]


def test_only_an_editor_starts_a_campaign_and_the_input_is_checked(org):
    world = governance_world(org)
    with pytest.raises(NotAllowed):
        _start(org, world, actor=org.field_rep)
    with pytest.raises(Invalid) as bad:
        _start(org, world, deadline=_in(-1), departments=[], question="Which?", options=["a"])
    assert {"deadline", "audience"} <= set(bad.value.fields)
    with pytest.raises(Invalid) as question:
        _start(org, world, question="Which colour?", options=["red", "blue"], answer=None)
    assert "answer" in question.value.fields
    assert not Campaign.objects.exists()


def test_a_subtree_campaign_asks_the_sub_pages_too(org):
    world = governance_world(org)
    world.report.parent = world.rules
    world.report.save(update_fields=["parent"])
    campaign = _start(org, world, subtree=True, departments=[], people=[org.it_head])
    assert set(campaign.pages.values_list("pk", flat=True)) == {world.rules.pk, world.report.pk}
    assert ReadingAssignment.objects.filter(campaign=campaign, user=org.it_head).count() == 2


def test_people_who_cannot_read_the_space_are_not_asked(org):
    world = governance_world(org, everyone=EveryoneAccess.NONE)
    campaign = _start(org, world, departments=[org.root])
    # Only the responsible editor (and admins) read this space.
    assert _asked(campaign) == {org.sales_head.pk, org.admin.pk}


def test_confirming_needs_the_right_answer(org):
    world = governance_world(org)
    campaign = _start(
        org, world, question="Who answers for the rules?", options=["Nobody", "Their editor"], answer=1
    )
    with pytest.raises(Invalid):
        services.reading_confirm(actor=org.east_rep, page=world.rules, answers={campaign.pk: 0})
    assert to_read_counts([org.east_rep.pk]) == {org.east_rep.pk: 1}
    rows = services.reading_confirm(actor=org.east_rep, page=world.rules, answers={campaign.pk: 1})
    assert [r.confirmed_at is not None for r in rows] == [True]
    assert to_read_counts([org.east_rep.pk]) == {}
    assert page_reading(user=org.east_rep, page=world.rules)["confirmed_at"] is not None
    with pytest.raises(Invalid):  # nothing left to confirm
        services.reading_confirm(actor=org.east_rep, page=world.rules, answers={campaign.pk: 1})
    with pytest.raises(NotFound):  # a page one cannot read
        hidden = governance_world(org, everyone=EveryoneAccess.NONE)
        services.reading_confirm(actor=org.east_rep, page=hidden.rules)


def test_a_newcomer_to_the_department_is_enrolled(org, django_capture_on_commit_callbacks):
    from portal.people.services.people import person_create, person_move

    world = governance_world(org)
    campaign = _start(org, world)
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = person_create(
            actor=org.admin, email="new@acme.test", first_name="Nina", department=org.east
        )
    assert newcomer.pk in _asked(campaign)
    row = ReadingAssignment.objects.get(campaign=campaign, user=newcomer)
    assert row.due_on == max(campaign.deadline, _in(campaign.newcomer_days))
    # Someone moved into the audience is enrolled too; moved elsewhere, nobody new is.
    with django_capture_on_commit_callbacks(execute=True):
        person_move(actor=org.admin, person=org.developer, department=org.field)
        person_move(actor=org.admin, person=org.it_head, department=org.root)
    assert org.developer.pk in _asked(campaign) and org.it_head.pk not in _asked(campaign)


def test_every_newcomer_is_enrolled_when_they_accept_an_invitation(org, django_capture_on_commit_callbacks):
    from portal.people.services.invitations import invitation_accept, invitation_send, invitation_token

    world = governance_world(org)
    campaign = _start(org, world, departments=[], newcomers=True)
    other = _start(org, world, title="Sales only")  # the Sales department only
    with django_capture_on_commit_callbacks(execute=True):
        invitations = invitation_send(actor=org.admin, emails=["joiner@acme.test"], department=org.it)
        person = invitation_accept(
            token=invitation_token(invitations[0]), password="a-long-pass-phrase-9", first_name="Jo"
        )
    assert person.pk in _asked(campaign)
    assert person.pk not in _asked(other)
    assert Notification.objects.filter(recipient=person, kind="kb_reading").count() == 1


def test_a_major_revision_asks_again_and_a_minor_one_does_not(org, django_capture_on_commit_callbacks):
    world = governance_world(org)
    campaign = _start(org, world, departments=[], people=[org.east_rep, org.field_rep])
    services.reading_confirm(actor=org.east_rep, page=world.rules)
    world.rules.refresh_from_db()

    page_update(
        actor=org.sales_head,
        page=world.rules,
        base_revision=world.rules.revision,
        title=world.rules.title,
        body=world.rules.body + " Fixed a typo.",
        minor=True,
    )
    row = ReadingAssignment.objects.get(campaign=campaign, user=org.east_rep)
    assert row.confirmed_at is not None

    world.rules.refresh_from_db()
    page_update(
        actor=org.sales_head,
        page=world.rules,
        base_revision=world.rules.revision,
        title=world.rules.title,
        body="New rules: everything changed.",
        minor=False,
    )
    row.refresh_from_db()
    assert row.confirmed_at is None and row.asked_again_at is not None
    assert row.due_on >= _in(services.REASK_DAYS)
    assert Notification.objects.filter(recipient=org.east_rep, kind="kb_reading").count() == 2
    # The one who had not confirmed yet is not told twice.
    assert Notification.objects.filter(recipient=org.field_rep, kind="kb_reading").count() == 1


def test_overdue_requests_count_and_show_in_the_progress(org):
    world = governance_world(org)
    campaign = CampaignFactory(space=world.space, deadline=_in(3))
    reading_laid(campaign, world.rules, org.east_rep, due_on=_in(-2))
    reading_laid(campaign, world.rules, org.field_rep, due_on=_in(3))
    reading_laid(campaign, world.rules, org.sales_rep, confirmed=True)
    assert overdue_counts([org.east_rep.pk, org.field_rep.pk, org.sales_rep.pk]) == {org.east_rep.pk: 1}
    states = {
        line.person.pk: line.state for line in campaign_progress(user=org.sales_head, campaign=campaign)
    }
    assert states == {
        org.east_rep.pk: ReadingState.OVERDUE,
        org.field_rep.pk: ReadingState.PENDING,
        org.sales_rep.pk: ReadingState.READ,
    }
    # The head of Sales East sees their own people only; a person sees themselves; an outsider nothing.
    seen = {line.person.pk for line in campaign_progress(user=org.east_head, campaign=campaign)}
    assert seen == {org.east_rep.pk, org.field_rep.pk}
    assert {line.person.pk for line in campaign_progress(user=org.field_rep, campaign=campaign)} == {
        org.field_rep.pk
    }
    assert campaign_progress(user=org.developer, campaign=campaign) == []
    assert not Campaign.objects.visible_to(org.developer).filter(pk=campaign.pk).exists()


def test_a_closed_campaign_asks_nothing_any_more(org):
    world = governance_world(org)
    campaign = _start(org, world)
    with pytest.raises(NotAllowed):
        services.campaign_close(actor=org.east_rep, campaign=campaign)
    services.campaign_close(actor=org.sales_head, campaign=campaign)
    assert to_read_counts([org.east_rep.pk]) == {}
    newcomer = UserFactory(department=org.sales)
    assert services.reading_enrol_person(user_id=newcomer.pk, joined_company=True) == []


def test_the_home_card_lists_what_to_read_and_stays_away_otherwise(org, client_for):
    from django.urls import reverse

    world = governance_world(org)
    late = CampaignFactory(space=world.space)
    reading_laid(late, world.rules, org.east_rep, due_on=_in(-1))
    html = client_for(org.east_rep).get(reverse("home")).content.decode()
    assert 'data-home-card="kb.to_read"' in html and "Rules of work" in html
    assert (
        'data-home-card="kb.to_read"' not in client_for(org.field_rep).get(reverse("home")).content.decode()
    )


def test_in_a_closed_space_only_its_grantees_are_asked(org):
    from knowledgebase.choices import SpaceRole
    from knowledgebase.selectors.familiarisation import space_reader_ids
    from portal.groups.models import Membership
    from tests.groups.factories import WorkgroupFactory
    from tests.knowledgebase.factories import grant

    world = governance_world(org, everyone=EveryoneAccess.NONE)
    group = WorkgroupFactory()
    Membership.objects.create(group=group, user=org.it_head)
    grant(world.space, SpaceRole.READ, department=org.east, include_subdepartments=True)
    grant(world.space, SpaceRole.READ, department=org.sales)  # Sales itself, not below it
    grant(world.space, SpaceRole.READ, workgroup=group)
    grant(world.space, SpaceRole.EDIT, user=org.developer)
    everyone = [org.ceo, org.sales_head, org.sales_rep, org.east_head, org.east_rep, org.field_rep]
    everyone += [org.it_head, org.developer, org.admin]
    ids = [p.pk for p in everyone]
    # The reverse rule agrees with the pages' own: exactly those who can read a page of the space.
    readable = [
        p.pk for p in everyone if type(world.rules).objects.visible_to(p).filter(pk=world.rules.pk).exists()
    ]
    assert space_reader_ids(world.space, ids) == sorted(readable)
    assert set(readable) == {p.pk for p in everyone} - {org.ceo.pk}
