"""Every route of familiarisation (pages and API), called as every role. A campaign of a space the caller
cannot read is 404 (the outsider); the space's editors start and close campaigns; a person sees their own
requests, a supervisor their people's, the campaign's editors everyone's."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledgebase.models import Campaign, ReadingAssignment
from tests.knowledgebase.factories_governance import CampaignFactory, matrix_world, reading_laid
from tests.utils import ROLES, Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)


def _expect(outsider, member, supervisor, admin, anonymous=LOGIN) -> dict:
    return dict(zip(ROLES, (anonymous, outsider, member, supervisor, admin), strict=True))


@pytest.fixture
def familiarisation_endpoints(org, roles):
    world = matrix_world(org)
    campaign, page = world.campaign, world.rules
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()

    def fresh(role=None):
        return CampaignFactory(space=world.space, created_by=org.sales_head)

    def asking_member(role=None):
        """A campaign that asks the member too: they see it, but only its editors close it."""
        made = fresh()
        reading_laid(made, page, org.east_rep)
        return made

    def asked(role):
        """An open request of the role's person to read the page (the outsider's page is hidden anyway)."""
        if roles[role] is not None:
            reading_laid(fresh(), page, roles[role])
        return {"page": page.pk}

    def new_campaign(role):
        return {
            "space": world.space.pk,
            "title": f"By {role}",
            "pages": [page.pk],
            "deadline": deadline,
            "people": [org.east_rep.pk],
        }

    confirmed = rows(ReadingAssignment, "confirmed_at")
    return [
        Endpoint("list", "GET", reverse("kb:campaign_list"), _expect(200, 200, 200, 200)),
        Endpoint(
            "new form",
            "GET",
            f"{reverse('kb:campaign_create')}?space={world.space.pk}&page={page.pk}",
            _expect(404, 404, 200, 200),
        ),
        Endpoint(
            "new",
            "POST",
            reverse("kb:campaign_create"),
            _expect(404, 404, 302, 302),
            new_campaign,
            "form",
            changed=rows(Campaign),
        ),
        Endpoint(
            "detail", "GET", reverse("kb:campaign_detail", args=[campaign.pk]), _expect(404, 200, 200, 200)
        ),
        Endpoint(
            "close",
            "POST",
            lambda role: reverse("kb:campaign_close", args=[asking_member().pk]),
            _expect(404, 403, 302, 302),
            {},
            "form",
            changed=rows(Campaign, "status"),
        ),
        Endpoint(
            "reading block", "GET", reverse("kb:page_reading", args=[page.pk]), _expect(404, 200, 200, 200)
        ),
        Endpoint(
            "confirm",
            "POST",
            reverse("kb:reading_confirm", args=[page.pk]),
            _expect(404, 302, 302, 302),
            asked,
            "form",
            changed=confirmed,
        ),
        Endpoint("my reading", "GET", reverse("kb:reading_list"), _expect(200, 200, 200, 200)),
        Endpoint(
            "a person's reading",
            "GET",
            reverse("kb:reading_person", args=[org.east_rep.pk]),
            _expect(404, 200, 200, 200),
        ),
        # --- API
        Endpoint("api list", "GET", "/api/v1/kb/campaigns/", _expect(200, 200, 200, 200, API_ANON)),
        Endpoint(
            "api create",
            "POST",
            "/api/v1/kb/campaigns/",
            _expect(404, 403, 201, 201, API_ANON),
            new_campaign,
            changed=rows(Campaign),
        ),
        Endpoint(
            "api detail", "GET", f"/api/v1/kb/campaigns/{campaign.pk}/", _expect(404, 200, 200, 200, API_ANON)
        ),
        Endpoint(
            "api progress",
            "GET",
            f"/api/v1/kb/campaigns/{campaign.pk}/progress/",
            _expect(404, 200, 200, 200, API_ANON),
        ),
        Endpoint(
            "api close",
            "POST",
            lambda role: f"/api/v1/kb/campaigns/{asking_member().pk}/close/",
            _expect(404, 403, 200, 200, API_ANON),
            changed=rows(Campaign, "status"),
        ),
        Endpoint("api reading", "GET", "/api/v1/kb/reading/", _expect(200, 200, 200, 200, API_ANON)),
        Endpoint(
            "api reading detail",
            "GET",
            f"/api/v1/kb/reading/{world.reading.pk}/",
            _expect(404, 200, 200, 200, API_ANON),
        ),
        Endpoint("api my reading", "GET", "/api/v1/kb/reading/mine/", _expect(200, 200, 200, 200, API_ANON)),
        Endpoint(
            "api confirm",
            "POST",
            "/api/v1/kb/reading/confirm/",
            _expect(404, 200, 200, 200, API_ANON),
            asked,
            changed=confirmed,
        ),
    ]


def test_familiarisation_matrix(roles, familiarisation_endpoints):
    assert_matrix(roles, familiarisation_endpoints)
