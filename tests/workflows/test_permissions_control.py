"""The workflows app's fragment of the control dashboard ("Approvals waiting" of a person), called as every
role, and what "Remind" does.

The person under control is east_rep (the `member`), who must decide a request of sales_rep (the `requester`,
who controls nobody). Nobody controls themselves, so the member gets 404 like the outsider; sales_head (the
`supervisor`) heads the Sales tree and east_head (`team_head`) east_rep's own department; admins control
everyone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.notifications.models import Reminder
from tests.utils import Endpoint, assert_matrix
from tests.workflows.factories import process_laid

pytestmark = pytest.mark.django_db

LOGIN = 302
SEES = {
    "anonymous": LOGIN,
    "outsider": 404,
    "member": 404,
    "requester": 404,
    "supervisor": 200,
    "team_head": 200,
    "admin": 200,
}


@pytest.fixture
def control_roles(roles, org):
    return {**roles, "requester": org.sales_rep, "team_head": org.east_head}


@pytest.fixture
def control_endpoints(org):
    person = org.east_rep
    process_laid(requester=org.sales_rep, approvers=[person], title="Pay the printer")

    def reminders():
        return Reminder.objects.filter(recipient=person).count()

    # A page's POST answers with a redirect (htmx: the fragment); the first controller reminds, the others
    # find it done today already.
    remind = {**SEES, "supervisor": 302, "team_head": 302, "admin": 302}
    return [
        Endpoint(
            "approvals waiting fragment",
            "GET",
            reverse("workflows:control_waiting", args=[person.pk]),
            SEES,
        ),
        Endpoint(
            "remind of approvals waiting",
            "POST",
            reverse("workflows:control_waiting_remind", args=[person.pk]),
            remind,
            format="form",
            changed=reminders,
            unchanged_for=("team_head", "admin"),
        ),
    ]


def test_control_fragment_matrix(control_roles, control_endpoints):
    assert_matrix(control_roles, control_endpoints)


def test_a_missing_person_is_not_found(org, client_for):
    head = client_for(org.sales_head)
    assert head.get(reverse("workflows:control_waiting", args=[987654])).status_code == 404
    assert head.get(reverse("workflows:control_waiting", args=[org.sales_head.pk])).status_code == 404
    org.east_rep.is_active = False
    org.east_rep.save(update_fields=["is_active"])
    assert head.get(reverse("workflows:control_waiting", args=[org.east_rep.pk])).status_code == 404
