"""Store webhooks end to end: the endpoint, the deal and contact it makes, and the connection pages."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from crm.choices import CommunicationKind, LeadSource, StageKind, TimelineKind
from crm.connectors.stores import MAX_BODY_BYTES
from crm.crypto import decrypt_secret
from crm.models import Contact, Deal, DealStageChange, StoreConnection, StoreDelivery, TimelineEntry
from crm.services import stores as services
from crm.services.communications import communications_set
from tests.crm.factories import ContactFactory, PipelineFactory, ProductFactory
from tests.crm.test_connectors_stores import STORES
from tests.utils import client_as

pytestmark = pytest.mark.django_db

ADAPTERS = list(STORES)


@pytest.fixture
def pipeline():
    return PipelineFactory(
        stages=[
            ("New", StageKind.OPEN),
            ("Paid", StageKind.OPEN),
            ("Won", StageKind.WON),
            ("Lost", StageKind.LOST),
        ]
    )


def stage(pipeline, name):
    return pipeline.stages.get(name=name)


@pytest.fixture
def connect(org, pipeline):
    def make(adapter: str, **kwargs) -> tuple[StoreConnection, str]:
        return services.store_create(
            actor=org.admin,
            name=f"Shop {adapter}",
            adapter=adapter,
            pipeline=pipeline,
            responsible=org.east_rep,
            **kwargs,
        )

    return make


def order(
    adapter: str, *, when: str = "2025-05-20T09:45:00+00:00", status: str | None = None, event: str = ""
):
    """A body of `adapter`'s format for an order changed at `when` (UTC), and its headers (unsigned)."""
    store = STORES[adapter]
    data = json.loads(store.body())
    headers = dict(store.headers)
    event = event or f"evt-{when}"
    if adapter == "lumen":
        data["event_id"] = event
        data["order"]["updated_at"] = when
        if status:
            data["order"]["status"] = status
    elif adapter == "woocommerce":
        data["date_modified_gmt"] = when.removesuffix("+00:00")
        if status:
            data["status"] = status
    else:
        data["updated_at"] = when
        headers["X-Shopify-Event-Id"] = event
        if status:
            data["financial_status"] = status
    return json.dumps(data, ensure_ascii=False).encode(), headers


def send(connection, secret, body, headers, *, sign=True, client=None):
    store = STORES[connection.adapter]
    if sign:
        headers = {**headers, store.signature_header: store.sign(body, secret)}
    meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    meta.pop("HTTP_CONTENT_TYPE", None)
    url = reverse("crm-store-webhook", args=[connection.token])
    return (client or client_as(None)).post(url, body, content_type="application/json", **meta)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_signed_order_makes_a_deal_with_its_contact_and_lines(connect, pipeline, adapter):
    connection, secret = connect(adapter)
    body, headers = order(adapter)
    answer = send(connection, secret, body, headers)
    assert answer.status_code == 200, answer.content
    assert answer.json()["outcome"] == "created"
    deal = Deal.objects.get(pk=answer.json()["deal"])
    parsed = services.ADAPTERS[adapter].parse(body, headers)
    assert deal.store == connection and deal.external_id == parsed.order_id
    assert deal.source == LeadSource.STORE and deal.pipeline == pipeline
    assert deal.amount == Money(parsed.total, parsed.currency)
    assert deal.lines.count() == len([line for line in parsed.lines if line.quantity > 0])
    assert deal.responsible == connection.responsible
    contact = deal.contact
    assert contact is not None and contact.source == LeadSource.STORE
    assert contact.communications.filter(
        kind=CommunicationKind.EMAIL, normalized=parsed.customer.email.lower()
    ).exists()
    delivery = StoreDelivery.objects.get(connection=connection)
    assert delivery.outcome == "created" and delivery.deal == deal and delivery.payload
    connection.refresh_from_db()
    assert connection.deliveries_count == 1 and connection.last_delivery_at is not None


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_replayed_delivery_changes_nothing(connect, adapter):
    connection, secret = connect(adapter)
    body, headers = order(adapter)
    assert send(connection, secret, body, headers).json()["outcome"] == "created"
    deal = Deal.objects.get()
    deal_before = (deal.title, deal.amount, deal.stage_id, deal.updated_at)
    answer = send(connection, secret, body, headers)
    assert answer.status_code == 200 and answer.json()["outcome"] == "duplicate"
    deal.refresh_from_db()
    assert (deal.title, deal.amount, deal.stage_id, deal.updated_at) == deal_before
    assert StoreDelivery.objects.count() == 1 and Deal.objects.count() == 1 and Contact.objects.count() == 1


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_bad_and_missing_signatures_are_refused(connect, adapter):
    connection, secret = connect(adapter)
    body, headers = order(adapter)
    bad = send(connection, "not-the-secret", body, headers)
    assert bad.status_code == 401
    error = bad.json()["error"]
    assert error["code"] == "bad_signature" and error["status"] == 401 and error["message"]
    unsigned = send(connection, secret, body, headers, sign=False)
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "unsigned"
    assert not StoreDelivery.objects.exists() and not Deal.objects.exists()


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_an_older_order_after_a_newer_one_is_stale(connect, pipeline, adapter):
    connection, secret = connect(adapter)
    newer_status, older_status = {
        "woocommerce": ("completed", "processing"),
        "shopify": ("paid", "pending"),
        "lumen": ("completed", "paid"),
    }[adapter]
    services.store_update(
        actor=connection_admin(),
        connection=connection,
        status_map={newer_status: stage(pipeline, "Won").pk, older_status: stage(pipeline, "Paid").pk},
    )
    body, headers = order(adapter, when="2025-05-20T12:00:00+00:00", status=newer_status)
    assert send(connection, secret, body, headers).json()["outcome"] == "created"
    body, headers = order(adapter, when="2025-05-20T09:00:00+00:00", status=older_status)
    answer = send(connection, secret, body, headers)
    assert answer.status_code == 200 and answer.json()["outcome"] == "stale"
    deal = Deal.objects.get()
    assert deal.stage == stage(pipeline, "Won") and deal.stage_kind == StageKind.WON
    assert deal.closed_at is not None
    assert deal.external_updated_at == datetime.datetime(2025, 5, 20, 12, tzinfo=datetime.UTC)
    assert list(StoreDelivery.objects.order_by("id").values_list("outcome", flat=True)) == [
        "created",
        "stale",
    ]


def connection_admin():
    from portal.people.models import User

    return User.objects.get(email="admin@acme.test")


def test_the_status_map_moves_the_deal_and_unmapped_statuses_keep_it(org, connect, pipeline):
    connection, secret = connect("lumen")
    services.store_update(
        actor=org.admin, connection=connection, status_map={"paid": stage(pipeline, "Paid").pk}
    )
    body, headers = order("lumen", when="2025-05-20T09:00:00+00:00", status="invented")
    send(connection, secret, body, headers)
    deal = Deal.objects.get()
    assert deal.stage == stage(pipeline, "New")  # unmapped, new: the first open stage
    body, headers = order("lumen", when="2025-05-20T10:00:00+00:00", status="paid")
    assert send(connection, secret, body, headers).json()["outcome"] == "updated"
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Paid")
    assert DealStageChange.objects.filter(deal=deal, to_stage=stage(pipeline, "Paid")).exists()
    body, headers = order("lumen", when="2025-05-20T11:00:00+00:00", status="still-unknown")
    send(connection, secret, body, headers)
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Paid")  # unmapped: kept


def test_a_cancelled_order_closes_the_deal_as_lost_with_a_reason(connect, pipeline):
    connection, secret = connect("woocommerce")  # the default map: cancelled -> the first lost stage
    body, headers = order("woocommerce", status="cancelled")
    send(connection, secret, body, headers)
    deal = Deal.objects.get()
    assert deal.stage == stage(pipeline, "Lost") and deal.stage_kind == StageKind.LOST
    assert "cancelled" in deal.lost_reason


def test_a_known_customer_and_products_are_reused(org, connect):
    connection, secret = connect("lumen")
    known = ContactFactory(responsible=org.east_rep)
    communications_set(
        record=known, items=[{"kind": "email", "type": "work", "value": "Olga.Kuznetsova@example.ru"}]
    )
    product = ProductFactory(sku="NB-A5", price=Money(Decimal("19.99"), "RUB"))
    body, headers = order("lumen")
    send(connection, secret, body, headers)
    deal = Deal.objects.get()
    assert deal.contact == known and Contact.objects.count() == 1
    lines = list(deal.lines.order_by("sort"))
    assert lines[0].product == product and lines[0].quantity == 3
    assert lines[1].product is None and lines[1].name  # no product with that SKU: a free line
    assert lines[1].discount > 0


def test_refusals_before_the_signature(connect):
    connection, secret = connect("lumen")
    client = client_as(None)
    missing = client.post(
        reverse("crm-store-webhook", args=["3f1c7f1e-0000-4000-8000-000000000000"]),
        b"{}",
        content_type="application/json",
    )
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404
    big = b'{"x": "' + b"a" * MAX_BODY_BYTES + b'"}'
    too_large = send(connection, secret, big, {})
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "too_large"
    malformed = send(connection, secret, b"{not json", {})
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed"
    StoreConnection.objects.filter(pk=connection.pk).update(is_active=False)
    body, headers = order("lumen")
    assert send(connection, secret, body, headers).status_code == 404
    assert not StoreDelivery.objects.exists()


def test_a_woocommerce_ping_is_ignored(connect):
    connection, secret = connect("woocommerce")
    answer = send(connection, secret, b"webhook_id=3", {}, sign=False)
    assert answer.status_code == 202 and answer.json()["outcome"] == "ignored"
    other_topic_body, headers = order("shopify")
    shop, shop_secret = connect("shopify")
    answer = send(shop, shop_secret, other_topic_body, {**headers, "X-Shopify-Topic": "products/update"})
    assert answer.status_code == 202
    assert not StoreDelivery.objects.exists()


def test_old_payloads_are_emptied(connect):
    connection, secret = connect("lumen")
    body, headers = order("lumen")
    send(connection, secret, body, headers)
    StoreDelivery.objects.update(received_at=timezone.now() - datetime.timedelta(days=31))
    body, headers = order("lumen", when="2025-06-01T00:00:00+00:00")
    send(connection, secret, body, headers)
    from crm.jobs import store_payloads_sweep_job

    assert store_payloads_sweep_job() == 1
    assert sorted(StoreDelivery.objects.values_list("payload", flat=True)) == ["", body.decode()]


# --- the pages ---------------------------------------------------------------------------------------------


def test_the_secret_is_shown_once_and_can_be_made_again(org, pipeline):
    client = client_as(org.admin)
    answer = client.post(
        reverse("crm:store_create"),
        {
            "name": "Main shop",
            "adapter": "woocommerce",
            "pipeline": pipeline.pk,
            "responsible": org.east_rep.pk,
            "is_active": "on",
        },
        format="multipart",
    )
    connection = StoreConnection.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("crm:store_edit", args=[connection.pk])
    secret = decrypt_secret(connection.secret_encrypted)
    assert len(secret) >= 32 and secret not in connection.secret_encrypted
    page = client.get(answer["Location"]).content.decode()
    assert secret in page and str(connection.token) in page
    assert secret not in client.get(answer["Location"]).content.decode()
    client.post(reverse("crm:store_secret_regenerate", args=[connection.pk]))
    connection.refresh_from_db()
    assert decrypt_secret(connection.secret_encrypted) != secret
    assert connection.status_map == {
        "completed": stage(pipeline, "Won").pk,
        "cancelled": stage(pipeline, "Lost").pk,
        "refunded": stage(pipeline, "Lost").pk,
        "failed": stage(pipeline, "Lost").pk,
    }


def test_the_status_map_is_saved_from_the_page(org, connect, pipeline):
    connection, _secret = connect("woocommerce")
    other = PipelineFactory()
    client = client_as(org.admin)
    url = reverse("crm:store_edit", args=[connection.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"on-hold" in page.content
    statuses = services.statuses_of(connection)
    data = {"name": "Renamed", "pipeline": pipeline.pk, "responsible": "", "is_active": "on"}
    data[f"status_{statuses.index('processing')}"] = stage(pipeline, "Paid").pk
    data["extra_status_0"] = "checkout-draft"
    data["extra_stage_0"] = stage(pipeline, "New").pk
    answer = client.post(url, data, format="multipart")
    assert answer.status_code == 302
    connection.refresh_from_db()
    assert connection.name == "Renamed" and connection.responsible is None
    assert connection.status_map == {
        "processing": stage(pipeline, "Paid").pk,
        "checkout-draft": stage(pipeline, "New").pk,
    }
    data[f"status_{statuses.index('processing')}"] = other.stages.first().pk
    refused = client.post(url, data, format="multipart")
    assert refused.status_code == 400 and "Choose a stage of the pipeline" in refused.content.decode()
    connection.refresh_from_db()
    assert connection.status_map["processing"] == stage(pipeline, "Paid").pk


def test_the_webhook_is_in_the_api_schema(admin_user):
    answer = client_as(admin_user).get("/api/schema/", {"format": "json"})
    assert answer.status_code == 200
    schema = json.loads(answer.content)
    assert "/api/v1/crm/hooks/store/{token}/" in schema["paths"]


# --- the deal and the contact come from their features' services ---------------------------------------------


def test_an_order_makes_its_deal_and_contact_as_the_portal_through_their_services(
    connect, pipeline, django_capture_on_commit_callbacks
):
    from portal.core.models import AuditLog
    from portal.stream.models import Entry

    connection, secret = connect("woocommerce")  # the default map: completed -> the first won stage
    body, headers = order("woocommerce", status="completed")
    with django_capture_on_commit_callbacks(execute=True):
        assert send(connection, secret, body, headers).json()["outcome"] == "created"
    deal = Deal.objects.get()
    assert deal.stage == stage(pipeline, "Won") and deal.created_by is None
    assert AuditLog.objects.filter(action="crm.deal.create", target_id=str(deal.pk), actor=None).exists()
    assert AuditLog.objects.filter(action="crm.contact.created", target_id=str(deal.contact_id)).exists()
    created = TimelineEntry.objects.filter(kind=TimelineKind.CREATED, actor=None)
    assert created.filter(deal=deal, contact=deal.contact, data__deal=deal.pk).exists()
    assert created.filter(contact=deal.contact, deal=None).exists()
    # a won deal is posted to its responsible person's department, as when a person wins one
    assert Entry.objects.filter(verb="crm.deal_won", target_id=str(deal.pk)).exists()


def test_a_status_change_moves_the_deal_as_a_person_would(
    org, connect, pipeline, monkeypatch, django_capture_on_commit_callbacks
):
    from crm.services import deals as deal_services
    from portal.core.models import AuditLog

    events = []
    monkeypatch.setattr(deal_services, "automation_event_send", lambda **event: events.append(event))
    connection, secret = connect("lumen")
    services.store_update(
        actor=org.admin, connection=connection, status_map={"paid": stage(pipeline, "Paid").pk}
    )
    body, headers = order("lumen", when="2025-05-20T09:00:00+00:00", status="new")
    send(connection, secret, body, headers)
    deal = Deal.objects.get()
    body, headers = order("lumen", when="2025-05-20T10:00:00+00:00", status="paid")
    assert send(connection, secret, body, headers).json()["outcome"] == "updated"
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Paid")
    assert deal.external_updated_at == datetime.datetime(2025, 5, 20, 10, tzinfo=datetime.UTC)
    # the stage's automation rules hear of the move, and the move has its audit row and timeline entry
    assert [(e["trigger"], e["scopes"]) for e in events] == [
        ("crm.deal_stage_changed", [f"stage:{stage(pipeline, 'Paid').pk}"])
    ]
    assert AuditLog.objects.filter(action="crm.deal.move", target_id=str(deal.pk), actor=None).exists()
    assert TimelineEntry.objects.filter(kind=TimelineKind.STAGE, deal=deal, data__to="Paid").exists()
    # the same lines and total: the lines are left alone (no audit row for a change that did not happen)
    assert not AuditLog.objects.filter(action="crm.deal.lines", target_id=str(deal.pk)).exists()


def test_a_changed_total_is_written_by_the_deals_service(connect):
    from portal.core.models import AuditLog

    connection, secret = connect("lumen")
    body, headers = order("lumen", when="2025-05-20T09:00:00+00:00")
    send(connection, secret, body, headers)
    data = json.loads(order("lumen", when="2025-05-20T10:00:00+00:00")[0])
    data["order"]["total"] = "9999.00"
    assert send(connection, secret, json.dumps(data).encode(), headers).json()["outcome"] == "updated"
    deal = Deal.objects.get()
    assert deal.amount == Money(Decimal("9999.00"), deal.amount.currency)  # the order's total, not the lines'
    audit = AuditLog.objects.get(action="crm.deal.lines", target_id=str(deal.pk))
    assert audit.actor is None and "9999" in audit.changes["amount"][1].replace(",", "")


def test_an_order_in_a_currency_the_crm_does_not_use_is_refused_before_anything_is_written(connect, settings):
    settings.CURRENCIES = ("USD", "EUR")
    connection, secret = connect("lumen")
    body, headers = order("lumen")  # in roubles
    answer = send(connection, secret, body, headers)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "malformed"
    assert "RUB" in answer.json()["error"]["message"]
    assert not StoreDelivery.objects.exists() and not Deal.objects.exists() and not Contact.objects.exists()
