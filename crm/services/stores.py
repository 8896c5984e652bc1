"""Online-store connections (CRM administrators) and the orders their webhooks deliver.

`store_order_receive` takes one delivery as the webhook endpoint read it: it checks the signature, reads the
order, and in one transaction records the delivery (unique by connection, order id and event key: a repeat
changes nothing), then finds or makes the customer's contact and makes or updates the order's deal, with its
lines, amount and the stage the connection's status map names. An order older than the one already applied
(deliveries arrive out of order) is recorded as "stale" and changes nothing.

Nobody acts on a delivery: the contact and the deal are written by their features' services as the portal
itself (`actor=None`), so they get what a record made by hand gets (validation, timeline entries, audit rows,
counters; a move through the stages its automation event and, when won, the stream post).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotFound

from .. import rights
from ..choices import CommunicationKind, LeadSource, StageKind
from ..connectors.stores import ADAPTERS, BadSignature, Malformed, StoreOrder, check_size
from ..crypto import SecretUnreadable, decrypt_secret, encrypt_secret
from ..models import Communication, Contact, Deal, Pipeline, Product, Stage, StoreConnection, StoreDelivery
from .communications import normalize
from .contacts import contact_create
from .deals import deal_create, deal_lines_set, deal_move, deal_update

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
    if order.currency not in settings.CURRENCIES:
        # A deal is in one of the company's currencies (the deals service refuses others): say so before
        # anything is written, in the webhook's own error shape, so the store's log shows why.
        raise Malformed(
            _("The order's currency %(code)s is not one of the CRM's currencies.") % {"code": order.currency}
        )
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
    items = []
    if email:
        items.append({"kind": CommunicationKind.EMAIL, "type": "work", "value": customer.email})
    if phone:
        items.append({"kind": CommunicationKind.PHONE, "type": "mobile", "value": customer.phone})
    return contact_create(
        actor=None,
        first_name=first_name,
        last_name=last_name,
        source=LeadSource.STORE,
        responsible=_responsible(connection),
        comment=customer.company[:300],
        communications=items,
    )


def _responsible(connection: StoreConnection):
    person = connection.responsible
    return person if person is not None and person.is_active else None


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


def _lines(order: StoreOrder) -> list[dict]:
    """The order's lines as the deals service takes them (a line's product found by its SKU)."""
    skus = {line.sku for line in order.lines if line.sku}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)} if skus else {}
    rows = []
    for line in order.lines:
        if line.quantity <= 0:
            continue
        product = products.get(line.sku) if line.sku else None
        rows.append(
            {
                "product": product,
                "name": (line.name or (product.name if product else "") or line.sku or _("Item"))[:300],
                "quantity": line.quantity.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
                "price": line.price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                "discount": _percent(line),
            }
        )
    return rows


def _lines_differ(deal: Deal, lines: list[dict], amount: Money) -> bool:
    """Whether the order's lines or total differ from the deal's (a status update usually changes neither)."""
    if deal.amount != amount:
        return True
    current = [
        (line.product_id, line.name, line.quantity, line.price.amount, line.discount)
        for line in deal.lines.order_by("sort", "id")
    ]
    wanted = [
        (
            getattr(line["product"], "pk", None),
            line["name"],
            line["quantity"],
            line["price"],
            line["discount"],
        )
        for line in lines
    ]
    return current != wanted


def _deal_title(order: StoreOrder) -> str:
    return (_("Order %(number)s") % {"number": order.number or order.order_id})[:300]


def _lost_reason(order: StoreOrder, stage: Stage | None) -> str:
    if stage is None or stage.kind != StageKind.LOST:
        return ""
    return (_("The order's status in the store: %(status)s") % {"status": order.status or "-"})[:300]


def _deal_write(connection: StoreConnection, order: StoreOrder, deal: Deal | None) -> tuple[Deal, str]:
    """Make or update the order's deal through the deals services, as the portal itself (`actor=None`)."""
    now = timezone.now()
    stage = _stage_for(connection, order, deal)
    amount = Money(order.total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), order.currency)
    comment = "\n".join(part for part in (order.note, order.url) if part)
    lines = _lines(order)
    if deal is None:
        deal = deal_create(
            actor=None,
            title=_deal_title(order),
            pipeline=connection.pipeline,
            stage=stage,
            amount=amount,
            contact=_customer_contact(connection, order),
            responsible=_responsible(connection),
            comment=comment,
            source=LeadSource.STORE,
            lost_reason=_lost_reason(order, stage),
            lines=lines,
            amount_from_lines=False,  # the order's total: its shipping and taxes are in no line
            store=connection,
            external_id=order.order_id,
            external_updated_at=order.updated_at or now,
        )
        return deal, "created"
    # A deal that has its customer keeps them (the order's e-mail or phone may have changed since).
    contact = deal.contact if deal.contact_id else _customer_contact(connection, order)
    if _lines_differ(deal, lines, amount):
        deal_lines_set(actor=None, deal=deal, lines=lines, amount=amount)
    if (deal.title, deal.comment, deal.contact_id) != (
        _deal_title(order),
        comment,
        getattr(contact, "pk", None),
    ):
        deal = deal_update(
            actor=None,
            deal=deal,
            title=_deal_title(order),
            contact=contact,
            company=deal.company,
            lead=deal.lead,
            expected_close=deal.expected_close,
            probability=deal.probability,
            comment=comment,
        )
    if stage is not None and stage.pk != deal.stage_id:
        deal = deal_move(actor=None, deal=deal, stage=stage, lost_reason=_lost_reason(order, stage))
    # The time of the order this deal now shows: the intake's own bookkeeping (an older delivery is stale).
    deal.external_updated_at = order.updated_at or deal.external_updated_at or now
    Deal.objects.filter(pk=deal.pk).update(external_updated_at=deal.external_updated_at)
    return deal, "updated"


def deliveries_payloads_sweep(*, days: int = PAYLOAD_DAYS) -> int:
    """Empty the kept bodies of deliveries older than `days` (the rows stay: order, event, outcome)."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    return StoreDelivery.objects.filter(received_at__lt=cutoff).exclude(payload="").update(payload="")
