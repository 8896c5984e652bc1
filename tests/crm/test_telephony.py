"""Telephony: the PBX event API (auth, validation, idempotent events, the call logged on the right records),
the caller lookup and its queries, the card as each person sees it, "Create lead", the PBX settings pages and
the PBX simulator command."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.choices import ActivityKind, CallResult, CallState, CommunicationKind, Direction, LeadSource
from crm.models import Activity, Call, ContactCompany, Lead, PbxConnection, PbxExtension, TimelineEntry
from crm.selectors.telephony import caller_find
from crm.services import telephony as services
from crm.services.communications import communications_set
from portal.core import live
from portal.core.models import AuditLog
from portal.notifications.models import Notification
from tests.crm.factories import CompanyFactory, ContactFactory, DealFactory, LeadFactory
from tests.people.factories import AdminFactory, UserFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/crm/telephony/events/"
NUMBER = "+79161234567"


@pytest.fixture
def pushes(monkeypatch):
    """The live messages sent (group, message), instead of the channel layer."""
    sent: list[tuple[str, dict]] = []

    def capture(groups, message):
        for group in groups:
            sent.append((group, message))

    monkeypatch.setattr(live, "send", capture)
    return sent


@pytest.fixture
def pbx(org):
    connection, token = services.pbx_create(
        actor=org.admin, name="Office PBX", extensions=[("101", org.east_rep), ("102", org.sales_rep)]
    )
    connection.token = token
    return connection


def post(token, data, **extra):
    client = client_as(None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(EVENTS, data, format="json", **headers, **extra)


def ringing(call_id="c-1", caller=NUMBER, **more):
    return {"event": "ringing", "call_id": call_id, "direction": "in", "caller": caller, "called": "+74950000000",
            "extension": "101", **more}  # fmt: skip


def finished(call_id="c-1", **more):
    return {"event": "finished", "call_id": call_id, "duration": 95, "status": "answered",
            "recording_url": "https://pbx.example.com/rec/c-1.mp3", **more}  # fmt: skip


def client_contact(org, *, responsible=None, number=NUMBER):
    contact = ContactFactory(first_name="Anna", last_name="Smirnova", position="Buyer",
                             responsible=responsible or org.east_rep)  # fmt: skip
    communications_set(
        record=contact, items=[{"kind": CommunicationKind.PHONE, "type": "mobile", "value": number}]
    )
    return contact


# --- authentication and validation ------------------------------------------------------------------------------


def test_no_token_and_a_wrong_token_answer_401_in_the_error_shape(pbx):
    for token in ("", "pbx_wrong", pbx.token + "x"):
        response = post(token, ringing())
        assert response.status_code == 401, token
        assert response.json()["error"]["status"] == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Call.objects.exists()


def test_an_inactive_connection_is_refused(org, pbx):
    services.pbx_update(actor=org.admin, connection=pbx, name=pbx.name, is_active=False, extensions=[])
    assert post(pbx.token, ringing()).status_code == 401


def test_bad_fields_are_named_and_nothing_is_stored(pbx):
    response = post(pbx.token, {"event": "ringing", "call_id": "c-1", "direction": "sideways", "caller": "x"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"direction", "caller", "called", "extension"} <= set(error["fields"])
    assert post(pbx.token, {"event": "hangup", "call_id": "c-1"}).json()["error"]["fields"].keys() == {
        "event"
    }
    assert not Call.objects.exists()


def test_answered_or_finished_of_an_unknown_call_is_404(pbx):
    response = post(pbx.token, finished(call_id="never"))
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_the_token_is_stored_only_as_its_hash(pbx):
    pbx.refresh_from_db()
    assert pbx.token_hash == hashlib.sha256(pbx.token.encode()).hexdigest()
    assert pbx.token.startswith(pbx.token_prefix)
    assert pbx.token not in {pbx.token_hash, pbx.token_prefix}


# --- ringing, answered, finished ----------------------------------------------------------------------------------


def test_ringing_finds_the_caller_and_pushes_the_card_to_the_extensions_employee(
    org, pbx, pushes, django_capture_on_commit_callbacks
):
    contact = client_contact(org)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(pbx.token, ringing())
    assert response.status_code == 201
    body = response.json()
    call = Call.objects.get()
    assert body == {"outcome": "created", "call": call.pk, "state": "ringing", "known": True,
                    "employee": org.east_rep.pk}  # fmt: skip
    assert (call.contact_id, call.user_id, call.normalized) == (contact.pk, org.east_rep.pk, NUMBER)
    assert pushes == [(f"user.{org.east_rep.pk}", {"type": "live.push",
                                                  "payload": {"event": "crm.call", "call": call.pk, "state": "ringing"}})]  # fmt: skip


def test_a_repeated_ringing_changes_nothing(org, pbx, pushes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(pbx.token, ringing()).status_code == 201
        response = post(pbx.token, ringing())
    assert response.status_code == 200
    assert response.json()["outcome"] == "duplicate"
    assert Call.objects.count() == 1
    assert len(pushes) == 1


def test_the_employee_is_found_by_email_when_the_extension_is_not_mapped(org, pbx):
    response = post(pbx.token, ringing(extension="999", employee_email="Sales.Head@acme.test"))
    assert response.json()["employee"] == org.sales_head.pk


def test_finished_logs_a_done_call_activity_on_the_callers_records(
    org, pbx, pushes, django_capture_on_commit_callbacks
):
    contact = client_contact(org)
    company = CompanyFactory(name="Vector LLC", responsible=org.east_rep)
    communications_set(record=company, items=[{"kind": "phone", "type": "work", "value": NUMBER}])
    with django_capture_on_commit_callbacks(execute=True):
        post(pbx.token, ringing())
        assert post(pbx.token, {"event": "answered", "call_id": "c-1", "extension": "102"}).status_code == 200
        response = post(pbx.token, finished())
    assert response.status_code == 200
    call = Call.objects.get()
    assert call.state == CallState.FINISHED
    assert call.user == org.sales_rep  # who picked up
    activity = Activity.objects.get()
    assert call.activity == activity
    assert (activity.kind, activity.direction, activity.duration, activity.call_result) == (
        ActivityKind.CALL, Direction.INCOMING, 95, CallResult.ANSWERED)  # fmt: skip
    assert activity.is_done and activity.recording_url.endswith("c-1.mp3")
    assert (activity.contact_id, activity.company_id, activity.lead_id) == (contact.pk, company.pk, None)
    assert activity.responsible == org.sales_rep
    contact.refresh_from_db()
    assert contact.last_activity_at is not None
    assert TimelineEntry.objects.filter(activity=activity, contact=contact).exists()
    calls = [m["payload"] for _g, m in pushes if m["payload"]["event"] == "crm.call"]
    assert [payload["state"] for payload in calls] == ["ringing", "answered", "finished"]
    # the done call is an activity: the counters of the person who took it are recounted and pushed too
    assert any(
        group == f"user.{org.sales_rep.pk}" and m["payload"]["event"] == "counters" for group, m in pushes
    )
    # A repeat of "finished" logs nothing twice.
    assert post(pbx.token, finished()).json()["outcome"] == "duplicate"
    assert Activity.objects.count() == 1


def test_a_missed_call_is_logged_too(org, pbx):
    contact = client_contact(org)
    post(pbx.token, ringing())
    post(pbx.token, finished(duration=0, status="missed", recording_url=""))
    activity = Activity.objects.get()
    assert activity.call_result == CallResult.MISSED
    assert activity.contact_id == contact.pk
    assert "Missed call" in activity.subject


def test_the_pbx_logs_a_call_as_the_activities_service_does(org, pbx):
    """The call activity comes from `activity_create` as the portal itself: its audit row, the employee told of
    a missed call, and a lead taken in work only when the call was answered (a missed one leaves it waiting)."""
    lead = LeadFactory(responsible=org.east_rep)
    communications_set(record=lead, items=[{"kind": "phone", "type": "work", "value": NUMBER}])
    post(pbx.token, ringing())
    post(pbx.token, finished(duration=0, status="missed", recording_url=""))
    missed = Activity.objects.get()
    assert (missed.lead, missed.responsible, missed.created_by) == (lead, org.east_rep, None)
    assert AuditLog.objects.filter(
        action="crm.activity_create", target_id=str(missed.pk), actor=None
    ).exists()
    note = Notification.objects.get(recipient=org.east_rep, kind="crm_activity")
    assert "Missed call" in note.title
    lead.refresh_from_db()
    assert lead.last_activity_at is not None and lead.taken_at is None
    post(pbx.token, ringing(call_id="c-2"))
    post(pbx.token, finished(call_id="c-2"))
    lead.refresh_from_db()
    assert lead.taken_at is not None
    # The answered call is not news to the person who took it: only the missed one told them.
    assert Notification.objects.filter(recipient=org.east_rep, kind="crm_activity").count() == 1


def test_an_unknown_number_makes_no_activity_and_a_lead_only_on_request(org, pbx):
    response = post(pbx.token, ringing(caller="+79990001122"))
    assert response.json()["known"] is False
    post(pbx.token, finished())
    assert not Activity.objects.exists()
    call = Call.objects.get()
    response = client_as(org.east_rep).post(reverse("crm:call_lead_create", args=[call.pk]))
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    assert (lead.source, lead.responsible, lead.source_detail) == (
        LeadSource.CALL,
        org.east_rep,
        "+79990001122",
    )
    assert list(lead.communications.values_list("normalized", flat=True)) == ["+79990001122"]
    call.refresh_from_db()
    assert call.lead == lead
    # The finished call is logged on the new lead; asking again gives the same lead back.
    assert Activity.objects.get().lead_id == lead.pk
    client_as(org.east_rep).post(reverse("crm:call_lead_create", args=[call.pk]))
    assert Lead.objects.count() == 1


# --- the lookup -------------------------------------------------------------------------------------------------


def test_the_lookup_prefers_the_exact_number_then_the_last_ten_digits(org):
    contact = client_contact(org)
    match = caller_find(number="8 (916) 123-45-67", region="RU")
    assert (match.normalized, match.contact_id) == (NUMBER, contact.pk)
    # The same ten digits under another country code still find the contact.
    assert caller_find(number="+1 916 123 4567", region="RU").contact_id == contact.pk
    assert not caller_find(number="+79990000000", region="RU").found
    assert not caller_find(number="not a phone", region="RU").found


def test_a_lead_counts_only_when_no_contact_or_company_has_the_number(org):
    lead = LeadFactory(responsible=org.east_rep)
    communications_set(record=lead, items=[{"kind": "phone", "type": "work", "value": NUMBER}])
    assert caller_find(number=NUMBER, region="RU").lead_id == lead.pk
    contact = client_contact(org)
    match = caller_find(number=NUMBER, region="RU")
    assert (match.contact_id, match.lead_id) == (contact.pk, None)


@pytest.mark.parametrize("rows", [10, 60])
def test_the_lookup_is_two_queries_at_most_whatever_the_data(org, rows, django_assert_max_num_queries):
    for index in range(rows):
        contact = ContactFactory(responsible=org.east_rep)
        communications_set(
            record=contact,
            items=[{"kind": "phone", "type": "work", "value": f"+7916{index:07d}"}],
            region="RU",
        )
    with django_assert_max_num_queries(1):
        assert caller_find(number="+79160000003", region="RU").found
    with django_assert_max_num_queries(2):
        assert not caller_find(number="+79990000000", region="RU").found


# --- the card ---------------------------------------------------------------------------------------------------


def _card(user, call):
    return client_as(user).get(reverse("crm:call_card", args=[call.pk]))


def test_the_card_shows_the_contact_company_manager_deals_and_activities(org, pbx):
    contact = client_contact(org)
    company = CompanyFactory(name="Vector LLC", responsible=org.east_rep)
    ContactCompany.objects.create(contact=contact, company=company, is_primary=True)
    deal = DealFactory(title="Forklift rental", contact=contact, responsible=org.east_rep)
    Activity.objects.create(kind=ActivityKind.MEETING, subject="Visit to the warehouse", contact=contact)
    post(pbx.token, ringing())
    response = _card(org.east_rep, Call.objects.get())
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Anna Smirnova", "Buyer", "Vector LLC", "Forklift rental", deal.stage.name,
                 "Visit to the warehouse", contact.get_absolute_url()):  # fmt: skip
        assert text in html, text
    assert "Unknown number" not in html
    assert "<script" not in html and " on" + "click" not in html


def test_a_contact_the_employee_may_not_see_shows_as_an_unknown_number(org, pbx):
    # The contact is the developer's; east_rep holds only the default "own" level.
    client_contact(org, responsible=org.developer)
    post(pbx.token, ringing())
    html = _card(org.east_rep, Call.objects.get()).content.decode()
    assert "Unknown number" in html and NUMBER in html
    assert "Smirnova" not in html
    assert "Create lead" in html


def test_the_card_is_only_for_the_employee_it_rang(org, pbx):
    client_contact(org)
    post(pbx.token, ringing())
    call = Call.objects.get()
    assert _card(org.developer, call).status_code == 404
    assert _card(org.sales_rep, call).status_code == 404
    assert _card(org.admin, call).status_code == 200
    assert client_as(org.developer).post(reverse("crm:call_lead_create", args=[call.pk])).status_code == 404


def test_the_card_script_is_on_every_page_without_inline_code(org):
    html = client_as(org.east_rep).get(reverse("home")).content.decode()
    assert "crm/call-card.js" in html
    assert 'data-card-url="/crm/calls/0/card/"' in html


# --- settings pages ---------------------------------------------------------------------------------------------


def test_a_new_connection_shows_its_token_once(org):
    client = client_as(org.admin)
    response = client.post(
        reverse("crm:pbx_create"),
        {"name": "Asterisk", "is_active": "on", "ext_0": "201", "user_0": org.east_rep.pk},
        format="multipart",
    )
    connection = PbxConnection.objects.get(name="Asterisk")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'id="pbx-token-once"' in page
    token = page.split('id="pbx-token" type="text" readonly value="')[1].split('"')[0]
    assert hashlib.sha256(token.encode()).hexdigest() == connection.token_hash
    assert "/api/v1/crm/telephony/events/" in page and "curl" in page
    assert list(connection.extensions.values_list("extension", "user")) == [("201", org.east_rep.pk)]
    again = client.get(response["Location"]).content.decode()
    assert token not in again and 'id="pbx-token-hidden"' in again
    # A new token replaces the old one.
    client.post(reverse("crm:pbx_token_regenerate", args=[connection.pk]))
    old_hash = connection.token_hash
    connection.refresh_from_db()
    assert connection.token_hash != old_hash


def test_the_form_names_the_wrong_extension_row(org, pbx):
    response = client_as(org.admin).post(
        reverse("crm:pbx_edit", args=[pbx.pk]),
        {
            "name": "Office PBX",
            "is_active": "on",
            "ext_0": "101",
            "user_0": org.east_rep.pk,
            "ext_1": "101",
            "user_1": org.sales_rep.pk,
            "ext_2": "103",
        },  # fmt: skip
        format="multipart",
    )
    assert response.status_code == 400
    assert "listed twice" in response.content.decode()
    assert "Choose an active colleague for extension 103" in response.content.decode()
    assert set(PbxExtension.objects.values_list("extension", flat=True)) == {"101", "102"}


def test_the_list_and_edit_pages_render(org, pbx):
    client = client_as(org.admin)
    post(pbx.token, ringing())
    assert "Office PBX" in client.get(reverse("crm:pbx_list")).content.decode()
    page = client.get(reverse("crm:pbx_edit", args=[pbx.pk])).content.decode()
    assert NUMBER in page and pbx.token not in page


def test_the_event_endpoint_is_in_the_openapi_schema(org):
    response = client_as(org.admin).get("/api/schema/", {"format": "json"})
    if response.status_code == 404:
        pytest.skip("no schema route")
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert "/api/v1/crm/telephony/events/" in text
    assert "CrmCallEvent" in text
    if schema is not None:
        operation = schema["paths"]["/api/v1/crm/telephony/events/"]["post"]
        assert {"200", "201", "400", "401", "404"} <= set(operation["responses"])


# --- the simulator ----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_simulator_plays_a_whole_call_against_a_running_server(live_server):
    rep = UserFactory(email="rep.sim@acme.test")
    admin = AdminFactory(email="admin.sim@acme.test")
    connection, token = services.pbx_create(actor=admin, name="Sim", extensions=[("101", rep)])
    contact = ContactFactory(responsible=rep)
    communications_set(record=contact, items=[{"kind": "phone", "type": "work", "value": NUMBER}])
    out = io.StringIO()
    call_command("crm_pbx_simulate", token=token, caller=NUMBER, extension="101", url=live_server.url,
                 duration=42, pause=0, stdout=out)  # fmt: skip
    text = out.getvalue()
    assert text.count("POST ") == 3 and "-> 201" in text and "simulated" in text
    activity = Activity.objects.get(contact=contact)
    assert (activity.duration, activity.call_result) == (42, CallResult.ANSWERED)
    assert Call.objects.get(connection=connection).state == CallState.FINISHED


@pytest.mark.parametrize("rows", [10, 30])
def test_the_card_reads_a_constant_number_of_queries(org, pbx, rows, django_assert_max_num_queries):
    contact = client_contact(org)
    for index in range(rows):
        DealFactory(title=f"Deal {index}", contact=contact, responsible=org.east_rep)
        Activity.objects.create(kind=ActivityKind.CALL, subject=f"Call {index}", contact=contact)
    post(pbx.token, ringing())
    client = client_as(org.east_rep)
    url = reverse("crm:call_card", args=[Call.objects.get().pk])
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
