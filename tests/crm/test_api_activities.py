"""The activities API and the timeline API: same rights, filters and error shape as the pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from crm.choices import ActivityKind
from crm.models import Activity, TimelineEntry
from crm.services import activities as services
from crm.services.timeline import timeline_comment_add
from tests.crm.factories import DealFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db
BASE = "/api/v1/crm"


@pytest.fixture
def deal(org):
    return DealFactory(responsible=org.east_rep)


def test_create_list_complete_and_delete(org, deal):
    client = client_as(org.east_rep)
    deadline = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        f"{BASE}/activities/", {"kind": "todo", "subject": "Call back", "deadline": deadline, "deal": deal.pk}
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["deal"] == deal.pk and response.json()["responsible"] == org.east_rep.pk
    bad = client.post(f"{BASE}/activities/", {"kind": "todo", "subject": "No deadline", "deal": deal.pk})
    assert bad.status_code == 400 and "deadline" in str(bad.json())
    hidden = client_as(org.developer).post(
        f"{BASE}/activities/", {"kind": "todo", "subject": "x", "deadline": deadline, "deal": deal.pk}
    )
    assert hidden.status_code == 404
    listing = client.get(f"{BASE}/activities/", {"kind": "todo", "done": "0"}).json()
    assert [row["id"] for row in listing["results"]] == [pk]
    assert client.get(f"{BASE}/activities/", {"done": "1"}).json()["results"] == []
    assert client_as(org.developer).get(f"{BASE}/activities/").json()["results"] == []
    assert client_as(org.developer).get(f"{BASE}/activities/{pk}/").status_code == 404
    done = client.post(f"{BASE}/activities/{pk}/complete/", {"done": True})
    assert done.status_code == 200 and done.json()["is_done"] is True
    patched = client.patch(f"{BASE}/activities/{pk}/", {"subject": "Call back today"})
    assert patched.status_code == 200 and patched.json()["subject"] == "Call back today"
    assert client.delete(f"{BASE}/activities/{pk}/").status_code == 204
    assert not Activity.objects.exists()


def test_the_timeline_api(org, deal):
    services.activity_create(actor=org.east_rep, kind=ActivityKind.CALL, records=[deal], direction="in")
    for number in range(22):
        timeline_comment_add(actor=org.east_rep, record=deal, text=f"c{number}")
    client = client_as(org.east_rep)
    page = client.get(f"{BASE}/timeline/deal/{deal.pk}/").json()
    assert len(page["results"]) == 20 and page["older"]
    rest = client.get(f"{BASE}/timeline/deal/{deal.pk}/", {"before": page["older"]}).json()
    assert len(rest["results"]) == 3 and rest["older"] == ""
    assert rest["results"][-1]["activity"]["kind"] == "call"
    posted = client.post(f"{BASE}/timeline/deal/{deal.pk}/", {"text": "From the API"})
    assert posted.status_code == 201 and posted.json()["kind"] == "comment"
    assert client.post(f"{BASE}/timeline/deal/{deal.pk}/", {"text": ""}).status_code == 400
    assert client_as(org.developer).get(f"{BASE}/timeline/deal/{deal.pk}/").status_code == 404
    assert client_as(org.developer).post(f"{BASE}/timeline/deal/{deal.pk}/", {"text": "x"}).status_code == 404
    assert client.get(f"{BASE}/timeline/nothing/{deal.pk}/").status_code == 404
    assert TimelineEntry.objects.filter(text="From the API").count() == 1
