"""Online-store connections (CRM administrators) and the orders their webhooks deliver.

`store_order_receive` takes one delivery as the webhook endpoint read it: it checks the signature, reads the
order, and in one transaction records the delivery (unique by connection, order id and event key: a repeat
changes nothing), then finds or makes the customer's contact and makes or updates the order's deal, with its
lines, amount and the stage the connection's status map names. An order older than the one already applied
(deliveries arrive out of order) is recorded as "stale" and changes nothing.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotFound

from .. import rights
from ..choices import CommunicationKind, LeadSource, StageKind, TimelineKind
from ..connectors.stores import ADAPTERS, BadSignature, StoreOrder, check_size
from ..counters import recount_records
from ..crypto import SecretUnreadable, decrypt_secret, encrypt_secret
from ..models import (
    Communication,
    Contact,
    Deal,
    DealLine,
    DealStageChange,
    Pipeline,
    Product,
    Stage,
    StoreConnection,
    StoreDelivery,
)
from .communications import communications_set, normalize
from .timeline import timeline_add, timeline_fields_changed

# The order statuses each store speaks of (the status map's rows); the Lumen format takes any word, these are
# the usual ones, and the map may name more.
STORE_STATUSES = {
    "woocommerce": ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"),
    "shopify": (
        "pending",
        "authorized",
        "paid",
        "partially_paid",
        "partially_refunded",
        "refunded",
        "voided",
        "fulfilled",
        "cancelled",
    ),
    "lumen": ("new", "paid", "shipped", "completed", "cancelled"),
}
# Which statuses close the deal when a connection is made (the administrator may change the map).
WON_STATUSES = {"completed", "fulfilled"}
LOST_STATUSES = {"cancelled", "refunded", "failed", "voided"}
PAYLOAD_DAYS = 30
SETTINGS_FIELDS = ("name", "pipeline", "responsible", "is_active")


# The settings pages of this channel are for CRM administrators (404 for anyone else).
require_crm_admin = rights.require_crm_admin


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def statuses_of(connection_or_adapter) -> list[str]:
    """The statuses the status map lists for a connection: its store's usual ones, then those it maps besides."""
    adapter = getattr(connection_or_adapter, "adapter", connection_or_adapter)
    known = list(STORE_STATUSES.get(adapter, ()))
    mapped = getattr(connection_or_adapter, "status_map", None) or {}
    return known + [status for status in mapped if status not in known]


def default_status_map(adapter: str, pipeline: Pipeline) -> dict[str, int]:
    """Finished orders to the pipeline's first won stage, cancelled ones to its first lost stage."""
    stages = list(pipeline.stages.order_by("sort", "id"))
    won = next((s.pk for s in stages if s.kind == StageKind.WON), None)
    lost = next((s.pk for s in stages if s.kind == StageKind.LOST), None)
    result = {}
    for status in STORE_STATUSES.get(adapter, ()):
        if status in WON_STATUSES and won:
            result[status] = won
        elif status in LOST_STATUSES and lost:
            result[status] = lost
    return result


def _clean(values: dict) -> dict:
    errors: dict = {}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors["name"] = [_("This field is required.")]
    if "adapter" in values and values["adapter"] not in ADAPTERS:
        errors["adapter"] = [_("Choose a kind of store.")]
    if "pipeline" in values and (values["pipeline"] is None or not values["pipeline"].is_active):
        errors["pipeline"] = [_("Choose an active pipeline.")]
    person = values.get("responsible")
    if person is not None and not get_user_model().objects.filter(pk=person.pk, is_active=True).exists():
        errors["responsible"] = [_("Choose an active person.")]
    if errors:
        raise Invalid(fields=errors)
    return values


def _clean_status_map(status_map: dict, pipeline: Pipeline) -> dict[str, int]:
    """Statuses (non-empty words) to stages of `pipeline`; an empty stage drops the row."""
    stages = set(pipeline.stages.values_list("pk", flat=True))
    result, errors = {}, []
    for status, stage in (status_map or {}).items():
        status = str(status).strip()[:50]
        if not status or stage in (None, ""):
            continue
        try:
            stage_id = int(stage)
        except (TypeError, ValueError):
            stage_id = None
        if stage_id not in stages:
            errors.append(_("“%(status)s”: choose a stage of the pipeline.") % {"status": status})
            continue
        result[status] = stage_id
    if errors:
        raise Invalid(fields={"status_map": errors})
    return result


@transaction.atomic
def store_create(
    *, actor, name: str, adapter: str, pipeline: Pipeline, responsible=None, is_active: bool = True
) -> tuple[StoreConnection, str]:
    """Connect a store. Returns the connection and its new secret, to show once (it is kept encrypted)."""
    require_crm_admin(actor)
    values = _clean(
        {
            "name": name,
            "adapter": adapter,
            "pipeline": pipeline,
            "responsible": responsible,
            "is_active": is_active,
        }
    )
    secret = new_secret()
    connection = StoreConnection.objects.create(
        **values, secret_encrypted=encrypt_secret(secret), status_map=default_status_map(adapter, pipeline)
    )
    audit_record(
        actor=actor,
        action="crm.store.create",
        target=connection,
        changes=snapshot(connection, ["name", "adapter"]),
    )
    return connection, secret


@transaction.atomic
def store_update(
    *, actor, connection: StoreConnection, status_map: dict | None = None, **changes
) -> StoreConnection:
    """Change a connection's settings (`SETTINGS_FIELDS`) and its status map (status -> stage id). A new
    pipeline keeps only the rows of `status_map` that name its stages (the form sends them)."""
    require_crm_admin(actor)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise Invalid(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    values = _clean(dict(changes))
    fields = [*SETTINGS_FIELDS, "status_map"]
    before = snapshot(connection, fields)
    for name, value in values.items():
        setattr(connection, name, value)
    pipeline = connection.pipeline
    if status_map is not None:
        connection.status_map = _clean_status_map(status_map, pipeline)
    elif "pipeline" in values:
        connection.status_map = _clean_status_map(
            {s: v for s, v in connection.status_map.items() if pipeline.stages.filter(pk=v).exists()},
            pipeline,
        )
    changed = diff(before, snapshot(connection, fields))
    if changed:
        connection.save(update_fields=[name for name in fields if name in changed] + ["updated_at"])
        audit_record(actor=actor, action="crm.store.update", target=connection, changes=changed)
    return connection


@transaction.atomic
def store_secret_regenerate(*, actor, connection: StoreConnection) -> str:
    """A new secret (the old one stops working at once); returned to show once."""
    require_crm_admin(actor)
    secret = new_secret()
    connection.secret_encrypted = encrypt_secret(secret)
    connection.save(update_fields=["secret_encrypted", "updated_at"])
    audit_record(actor=actor, action="crm.store.secret", target=connection)
    return secret


@transaction.atomic
def store_delete(*, actor, connection: StoreConnection) -> None:
    """Disconnect a store; its deals stay (they lose the link to the connection)."""
    require_crm_admin(actor)
    audit_record(actor=actor, action="crm.store.delete", target=connection)
    connection.delete()


# --- deliveries ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """What became of an accepted delivery: created, updated, duplicate or stale (and the deal, if any)."""

    outcome: str
    deal_id: int | None = None


def store_order_receive(*, token, body: bytes, headers) -> Receipt:
    """Take one webhook delivery. Refusals raise `NotFound` (unknown or inactive connection) or a
    `WebhookRejected` (unsigned, bad signature, too large, malformed, an event that is not about an order)."""
    check_size(len(body))
    connection = (
        StoreConnection.objects.filter(token=token, is_active=True)
        .select_related("pipeline", "responsible")
        .first()
    )
    if connection is None:
        raise NotFound()
    adapter = ADAPTERS[connection.adapter]
    try:
        secret = decrypt_secret(connection.secret_encrypted)
    except SecretUnreadable as exc:
        raise BadSignature(_("The connection's secret cannot be read; regenerate it.")) from exc
    adapter.verify(body, headers, secret)
    order = adapter.parse(body, headers)
    key = adapter.event_key(body, headers)
    return _order_apply(connection=connection, order=order, key=key, body=body)


@transaction.atomic
def _order_apply(*, connection: StoreConnection, order: StoreOrder, key: str, body: bytes) -> Receipt:
    # One delivery of a connection at a time: the stale check and the deal's lines then see a settled state.
    StoreConnection.objects.select_for_update().filter(pk=connection.pk).first()
    try:
        with transaction.atomic():
            delivery = StoreDelivery.objects.create(
                connection=connection,
                order_id=order.order_id,
                event_key=key,
                payload=body.decode("utf-8", "replace").replace("\x00", ""),
            )
    except IntegrityError:
        return Receipt("duplicate")
    deal = Deal.objects.select_for_update().filter(store=connection, external_id=order.order_id).first()
    if (
        deal is not None
        and deal.external_updated_at is not None
        and order.updated_at is not None
        and order.updated_at < deal.external_updated_at
    ):
        outcome = "stale"
    else:
        deal, outcome = _deal_write(connection, order, deal)
    delivery.outcome, delivery.deal = outcome, deal
    delivery.save(update_fields=["outcome", "deal"])
    recount_records(deal)
    StoreConnection.objects.filter(pk=connection.pk).update(
        deliveries_count=F("deliveries_count") + 1, last_delivery_at=timezone.now()
    )
    return Receipt(outcome, deal.pk if deal is not None else None)


def _customer_contact(connection: StoreConnection, order: StoreOrder) -> Contact | None:
    """The contact with the customer's e-mail, else phone; made (source "store") when there is none."""
    customer = order.customer
    email = customer.email.strip().lower() if "@" in customer.email else ""
    phone, tail = normalize(CommunicationKind.PHONE, customer.phone) if customer.phone else ("", "")
    found = None
    if email:
        found = (
            Communication.objects.filter(
                kind=CommunicationKind.EMAIL, normalized=email, contact__isnull=False
            )
            .order_by("id")
            .first()
        )
    if found is None and phone:
        found = (
            Communication.objects.filter(
                kind=CommunicationKind.PHONE, normalized=phone, contact__isnull=False
            )
            .order_by("id")
            .first()
        )
    if found is None and tail:
        found = (
            Communication.objects.filter(kind=CommunicationKind.PHONE, tail=tail, contact__isnull=False)
            .order_by("id")
            .first()
        )
    if found is not None:
        return found.contact
    if not (email or phone or customer.first_name or customer.last_name):
        return None
    first_name, last_name = customer.first_name[:100], customer.last_name[:100]
    if not (first_name or last_name):
        last_name = (email or customer.phone)[:100]
    # Contacts are written by the contacts feature's service, which acts for a person; an order arrives with
    # nobody acting, so the intake writes the contact itself (the same rows, audit and timeline entry).
    contact = Contact.objects.create(
        first_name=first_name,
        last_name=last_name,
        source=LeadSource.STORE,
        responsible=connection.responsible
        if connection.responsible and connection.responsible.is_active
        else None,
        comment=customer.company[:300],
    )
    items = []
    if email:
        items.append({"kind": CommunicationKind.EMAIL, "type": "work", "value": customer.email})
    if phone:
        items.append({"kind": CommunicationKind.PHONE, "type": "mobile", "value": customer.phone})
    communications_set(record=contact, items=items)
    audit_record(
        actor=None, action="crm.contact.created", target=contact, changes={"source": LeadSource.STORE}
    )
    timeline_add(kind=TimelineKind.CREATED, actor=None, records=[contact], data={"source": LeadSource.STORE})
    return contact


def _stage_for(connection: StoreConnection, order: StoreOrder, deal: Deal | None) -> Stage | None:
    """The mapped stage of the order's status; unmapped: the deal's own, or the pipeline's first open stage."""
    stage_id = connection.status_map.get(order.status)
    if stage_id:
        stage = Stage.objects.filter(pk=stage_id, pipeline=connection.pipeline).first()
        if stage is not None:
            return stage
    if deal is not None:
        return None
    stages = connection.pipeline.stages.order_by("sort", "id")
    return stages.filter(kind=StageKind.OPEN).first() or stages.first()


def _percent(line) -> Decimal:
    gross = line.quantity * line.price
    if gross <= 0 or line.discount <= 0:
        return Decimal("0")
    share = (line.discount / gross * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return min(share, Decimal("100"))


def _lines_set(deal: Deal, order: StoreOrder) -> None:
    # Deal lines belong to the deals feature; an order replaces its deal's lines wholesale, written here.
    skus = {line.sku for line in order.lines if line.sku}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)} if skus else {}
    DealLine.objects.filter(deal=deal).delete()
    rows = []
    for sort, line in enumerate(order.lines):
        if line.quantity <= 0:
            continue
        product = products.get(line.sku) if line.sku else None
        rows.append(
            DealLine(
                deal=deal,
                product=product,
                name=(line.name or (product.name if product else "") or line.sku or _("Item"))[:300],
                quantity=line.quantity.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
                price=Money(line.price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), order.currency),
                discount=_percent(line),
                sort=sort,
            )
        )
    DealLine.objects.bulk_create(rows)


def _deal_title(order: StoreOrder) -> str:
    return (_("Order %(number)s") % {"number": order.number or order.order_id})[:300]


def _deal_write(connection: StoreConnection, order: StoreOrder, deal: Deal | None) -> tuple[Deal, str]:
    """Make or update the order's deal. Deals are written by the deals feature's services for people; an order
    arrives with nobody acting, so the intake writes the deal, its stage change and lines itself."""
    now = timezone.now()
    contact = _customer_contact(connection, order)
    stage = _stage_for(connection, order, deal)
    amount = Money(order.total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), order.currency)
    comment = "\n".join(part for part in (order.note, order.url) if part)
    if deal is None:
        deal = Deal(
            title=_deal_title(order),
            pipeline=connection.pipeline,
            source=LeadSource.STORE,
            store=connection,
            external_id=order.order_id,
            responsible=connection.responsible
            if connection.responsible and connection.responsible.is_active
            else None,
        )
        before = None
        previous_stage = None
        entered_at = None
    else:
        before = snapshot(deal, ["title", "amount", "contact", "comment"])
        previous_stage = deal.stage
        entered_at = deal.stage_changed_at or deal.created_at
    deal.title = _deal_title(order)
    deal.amount = amount
    deal.comment = comment
    deal.contact = deal.contact or contact
    deal.external_updated_at = order.updated_at or deal.external_updated_at or now
    moved = stage is not None and (previous_stage is None or stage.pk != previous_stage.pk)
    if moved:
        deal.stage = stage
        deal.stage_kind = stage.kind
        deal.stage_changed_at = now
        deal.probability = stage.probability
        deal.closed_at = None if stage.kind == StageKind.OPEN else now
        deal.lost_reason = (
            (_("The order's status in the store: %(status)s") % {"status": order.status or "-"})[:300]
            if stage.kind == StageKind.LOST
            else ""
        )
    deal.save()
    _lines_set(deal, order)
    if moved:
        DealStageChange.objects.create(
            deal=deal,
            pipeline=deal.pipeline,
            from_stage=previous_stage,
            to_stage=stage,
            changed_at=now,
            seconds_in_stage=_seconds_since(entered_at, now),
        )
    records = [deal, deal.contact] if deal.contact else [deal]
    if before is None:
        audit_record(
            actor=None, action="crm.deal.store_order", target=deal, changes={"order": order.order_id}
        )
        timeline_add(
            kind=TimelineKind.CREATED,
            actor=None,
            records=records,
            data={
                "source": LeadSource.STORE,
                "store": connection.name,
                "order": order.number or order.order_id,
            },
        )
        return deal, "created"
    changes = diff(before, snapshot(deal, ["title", "amount", "contact", "comment"]))
    if changes:
        audit_record(actor=None, action="crm.deal.store_order", target=deal, changes=changes)
        timeline_fields_changed(actor=None, record=deal, changes=changes)
    if moved:
        timeline_add(
            kind=TimelineKind.STAGE,
            actor=None,
            records=[deal],
            data={
                "from": previous_stage.name if previous_stage else "",
                "to": stage.name,
                "status": order.status,
            },
        )
    return deal, "updated"


def _seconds_since(moment: datetime.datetime | None, now: datetime.datetime) -> int:
    return max(int((now - moment).total_seconds()), 0) if moment else 0


def deliveries_payloads_sweep(*, days: int = PAYLOAD_DAYS) -> int:
    """Empty the kept bodies of deliveries older than `days` (the rows stay: order, event, outcome)."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    return StoreDelivery.objects.filter(received_at__lt=cutoff).exclude(payload="").update(payload="")
