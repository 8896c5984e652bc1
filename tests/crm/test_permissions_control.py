"""The CRM's fragments of the control dashboard, called as every role, and what they do.

The person under control is east_rep (the `member`): nobody controls themselves, so the member gets 404 like
the outsider; sales_head (the `supervisor`, holding "Head of department") heads their department tree; admins
control everyone."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, CrmRole, Deal, Lead
from portal.notifications.models import Reminder
from tests.crm.factories import ActivityFactory, DealFactory, LeadFactory, give_role
from tests.utils import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

LOGIN = 302
CONTROLLERS = {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 200, "admin": 200}


@pytest.fixture
def control_endpoints(org, roles):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    person = org.east_rep
    long_ago = timezone.now() - datetime.timedelta(days=60)
    deal = DealFactory(responsible=person)
    Deal.objects.filter(pk=deal.pk).update(created_at=long_ago, last_activity_at=long_ago)
    lead = LeadFactory(responsible=person)
    Lead.objects.filter(pk=lead.pk).update(created_at=long_ago)
    ActivityFactory(responsible=person, deal=deal, deadline=long_ago)

    def overdue(role):
        return ActivityFactory(
            responsible=person, deal=deal, deadline=timezone.now() - datetime.timedelta(days=2)
        ).pk

    def reminders():
        return Reminder.objects.count()

    done = {"supervisor": 302, "admin": 302, "anonymous": LOGIN, "outsider": 404, "member": 404}
    remind = {"supervisor": 302, "admin": 302, "anonymous": LOGIN, "outsider": 404, "member": 404}
    rows = [
        Endpoint(f"{kind} fragment", "GET", reverse(f"crm:control_{kind}", args=[person.pk]), CONTROLLERS)
        for kind in ("activities", "deals", "leads")
    ]
    rows += [
        Endpoint(
            f"remind of {kind}",
            "POST",
            reverse(f"crm:control_{kind}_remind", args=[person.pk]),
            remind,
            format="form",
            changed=reminders,
            unchanged_for=("admin",),  # the supervisor reminded them today already
        )
        for kind in ("activities", "deals", "leads")
    ]
    pks = {}
    rows.append(
        Endpoint(
            "activity done",
            "POST",
            lambda role: reverse(
                "crm:control_activity_done", args=[person.pk, pks.setdefault(role, overdue(role))]
            ),
            done,
            format="form",
            changed=lambda role: Activity.objects.filter(pk=pks.get(role), is_done=True).exists(),
        )
    )
    return rows


def test_control_fragments_matrix(roles, control_endpoints):
    assert_matrix(roles, control_endpoints)


def test_a_fragment_shows_the_cause_and_acts_in_place(org, client_for):
    give_role(CrmRole.objects.get(name="Head of department"), user=org.sales_head)
    person = org.east_rep
    activity = ActivityFactory(
        responsible=person, subject="Call the buyer", deadline=timezone.now() - datetime.timedelta(days=1)
    )
    deal = DealFactory(responsible=person)
    Activity.objects.filter(pk=activity.pk).update(deal=deal)
    head = client_for(org.sales_head)
    page = head.get(reverse("crm:control_activities", args=[person.pk]), HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert page.status_code == 200 and "Call the buyer" in text and 'data-action="done"' in text
    answer = head.post(
        reverse("crm:control_activity_done", args=[person.pk, activity.pk]), HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and answer["HX-Trigger"] == "controlChanged"
    assert Activity.objects.get(pk=activity.pk).is_done
    idle = DealFactory(responsible=person)
    long_ago = timezone.now() - datetime.timedelta(days=60)
    Deal.objects.filter(pk=idle.pk).update(created_at=long_ago, last_activity_at=long_ago)
    first = head.post(reverse("crm:control_deals_remind", args=[person.pk]), HTTP_HX_REQUEST="true")
    assert "data-reminded" in first.content.decode()
    assert Reminder.objects.filter(recipient=person).count() == 1


def test_the_dashboard_cells_open_the_fragments(org):
    from portal.core.registry import registry

    details = {
        counter.column: counter.detail(org.east_rep.pk)
        for counter in registry.dashboard_counters
        if counter.column.startswith("crm_")
    }
    assert details == {
        "crm_activities_overdue": reverse("crm:control_activities", args=[org.east_rep.pk]),
        "crm_deals_idle": reverse("crm:control_deals", args=[org.east_rep.pk]),
        "crm_leads_untaken": reverse("crm:control_leads", args=[org.east_rep.pk]),
    }
