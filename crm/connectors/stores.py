"""Online stores' order webhooks: signature checks and one normalised order for every store.

Three adapters, one per wire format (see docs/crm-store-webhooks.md):

- ``woocommerce``: ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of the raw body; the topic
  (``order.created``, ``order.updated``) is in ``X-WC-Webhook-Topic``. Saving a webhook in WooCommerce sends
  an unsigned ping whose body is ``webhook_id=<n>``: it is answered "ignored", never "unsigned", or the store
  would refuse to save the webhook.
- ``shopify``: ``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of the raw body; the topic
  (``orders/create``, ``orders/updated``, ``orders/paid``, ...) is in ``X-Shopify-Topic`` and the event id in
  ``X-Shopify-Event-Id`` (the same for every delivery of one event).
- ``lumen``: Lumen's own order JSON, signed ``X-Lumen-Signature: sha256=<hex HMAC-SHA256 of the body>``.

Each adapter has ``verify(body, headers, secret)``, ``parse(body, headers) -> StoreOrder`` and
``event_key(body, headers)``. Every refusal is a ``WebhookRejected`` carrying a stable ``code`` and the HTTP
``status`` the webhook view answers with. Money is ``Decimal`` throughout: JSON numbers are read with
``parse_float=Decimal``, so 19.99 stays 19.99.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import urlsplit

import moneyed
from django.utils.translation import gettext as _

from portal.core.errors import DomainError

MAX_BODY_BYTES = 256 * 1024

# "No currency" and "testing" are ISO 4217 codes too, but never the currency of an order.
_NOT_ORDER_CURRENCIES = frozenset({"XXX", "XTS"})
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$")
_WOO_PING = re.compile(rb"^\s*webhook_id=\d+\s*$")
_KEY_MAX = 200


# --- Refusals -----------------------------------------------------------------------------------


class WebhookRejected(DomainError):
    """A delivery the CRM does not take. ``code`` is stable, ``status`` is the HTTP answer to give."""

    code = "rejected"
    status = 400

    def __init__(self, code: str, message: str, status: int):
        super().__init__(message, code=code)
        self.status = status


class Unsigned(WebhookRejected):
    def __init__(self, message: str | None = None):
        super().__init__("unsigned", message or _("The delivery carries no signature."), 401)


class BadSignature(WebhookRejected):
    def __init__(self, message: str | None = None):
        super().__init__("bad_signature", message or _("The signature does not match the body."), 401)


class Malformed(WebhookRejected):
    def __init__(self, message: str | None = None):
        super().__init__("malformed", message or _("The body is not a readable order."), 400)


class UnsupportedEvent(WebhookRejected):
    """Accepted and ignored: a ping, or a topic that is not about orders. The store must not retry it."""

    def __init__(self, message: str | None = None):
        super().__init__("ignored", message or _("The event is not about an order; ignored."), 202)


class TooLarge(WebhookRejected):
    def __init__(self, message: str | None = None):
        super().__init__(
            "too_large",
            message or _("The body is larger than %(limit)s bytes.") % {"limit": MAX_BODY_BYTES},
            413,
        )


def check_size(length: int | None) -> None:
    """Refuse a body over ``MAX_BODY_BYTES``; ask it of Content-Length before reading the body."""
    if length is not None and length > MAX_BODY_BYTES:
        raise TooLarge()


# --- The normalised order ---------------------------------------------------------------------


@dataclass(frozen=True)
class StoreCustomer:
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""


@dataclass(frozen=True)
class StoreLine:
    """One line of an order; ``price`` is the unit price before discounts, ``discount`` the line's total."""

    sku: str
    name: str
    quantity: Decimal
    price: Decimal
    discount: Decimal = Decimal(0)

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.price - self.discount


@dataclass(frozen=True)
class StoreOrder:
    """An order as every adapter reports it; ``status`` is the store's own word, mapped to a stage later."""

    order_id: str
    event: str
    updated_at: datetime | None
    status: str
    currency: str
    total: Decimal
    customer: StoreCustomer
    lines: list[StoreLine] = field(default_factory=list)
    note: str = ""
    url: str = ""
    # The number the store shows people ("#1001"); the id above is what identifies the order.
    number: str = ""


# --- Reading helpers --------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str:
    """A header by name, whatever its case (Django's ``request.headers`` or a plain dict)."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return str(value).strip() if value is not None else ""


def _no_constants(name: str):
    raise ValueError(name)


def _load_json(body: bytes) -> dict[str, Any]:
    check_size(len(body))
    try:
        data = json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed(_("The body is not JSON.")) from exc
    if not isinstance(data, dict):
        raise Malformed(_("The body is not a JSON object."))
    return data


def _text(value: Any, limit: int = 500) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()[:limit]


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _decimal(value: Any, what: str, *, default: Decimal | None = None) -> Decimal:
    """A non-negative finite amount from a JSON number or string; anything else refuses the delivery."""
    if value is None or value == "":
        if default is not None:
            return default
        raise Malformed(_("%(field)s is missing.") % {"field": what})
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise Malformed(_("%(field)s is not a number.") % {"field": what})
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation as exc:
        raise Malformed(_("%(field)s is not a number.") % {"field": what}) from exc
    if not number.is_finite() or number < 0:
        raise Malformed(_("%(field)s is not a valid amount.") % {"field": what})
    return number


def _order_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise Malformed(_("The order has no id."))
    order_id = str(value).strip()
    if len(order_id) > 100:
        raise Malformed(_("The order id is too long."))
    return order_id


def _currency(value: Any) -> str:
    code = _text(value, 10).upper()
    if code not in moneyed.CURRENCIES or code in _NOT_ORDER_CURRENCIES:
        raise Malformed(_("Unknown currency: %(code)s.") % {"code": code or "-"})
    return code


def _aware(value: Any, *, assume_utc: bool) -> datetime | None:
    """An ISO 8601 time; a time without an offset is UTC when the format says so, else refused."""
    text = _text(value, 64)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Malformed(_("Unreadable time: %(value)s.") % {"value": text}) from exc
    if moment.tzinfo is None:
        if not assume_utc:
            raise Malformed(_("The time %(value)s has no UTC offset.") % {"value": text})
        moment = moment.replace(tzinfo=UTC)
    return moment


def _unit_price(line_total: Decimal, quantity: Decimal) -> Decimal:
    """A line's amount divided back into a unit price: exact when it divides, else to four places."""
    if quantity == 0:
        return line_total
    price = line_total / quantity
    if price * quantity == line_total:
        return price
    return price.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


def _hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()


def _check_base64_signature(provided: str, body: bytes, secret: str) -> None:
    if not provided:
        raise Unsigned()
    if not secret:
        raise BadSignature(_("The connection has no secret to check signatures with."))
    try:
        digest = base64.b64decode(provided, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadSignature() from exc
    if not hmac.compare_digest(digest, _hmac_sha256(secret, body)):
        raise BadSignature()


def _bounded_key(key: str) -> str:
    """Event keys go into a database column: a long one is replaced by its digest."""
    if len(key) <= _KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _body_digest(body: bytes) -> str:
    return "body:" + hashlib.sha256(body).hexdigest()


# --- Adapters ---------------------------------------------------------------------------------


class StoreAdapter:
    """One store's wire format. Subclasses are stateless; ``ADAPTERS`` holds one instance of each."""

    name: ClassVar[str]
    label: ClassVar[str]

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        raise NotImplementedError

    def parse(self, body: bytes, headers: Mapping[str, str]) -> StoreOrder:
        raise NotImplementedError

    def event_key(self, body: bytes, headers: Mapping[str, str]) -> str:
        """What, with the connection and the order id, makes a delivery unique (a retry repeats it)."""
        raise NotImplementedError


class WooCommerceAdapter(StoreAdapter):
    name = "woocommerce"
    label = "WooCommerce"
    TOPICS = frozenset({"order.created", "order.updated", "order.restored"})

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        check_size(len(body))
        provided = _header(headers, "X-WC-Webhook-Signature")
        if not provided and _WOO_PING.match(body):
            raise UnsupportedEvent(_("WooCommerce ping; nothing to do."))
        _check_base64_signature(provided, body, secret)

    def parse(self, body: bytes, headers: Mapping[str, str]) -> StoreOrder:
        check_size(len(body))
        if _WOO_PING.match(body):
            raise UnsupportedEvent(_("WooCommerce ping; nothing to do."))
        topic = _header(headers, "X-WC-Webhook-Topic").lower()
        if topic not in self.TOPICS:
            raise UnsupportedEvent(_("Topic %(topic)s is not taken.") % {"topic": topic or "-"})
        data = _load_json(body)
        billing = _object(data.get("billing"))
        lines = []
        for item in data.get("line_items") or []:
            item = _object(item)
            quantity = _decimal(item.get("quantity"), "line_items.quantity")
            # "subtotal" is the line before coupons, "total" after; "price" is already discounted.
            subtotal = _decimal(item.get("subtotal"), "line_items.subtotal", default=Decimal(0))
            line_total = _decimal(item.get("total"), "line_items.total", default=subtotal)
            lines.append(
                StoreLine(
                    sku=_text(item.get("sku"), 100),
                    name=_text(item.get("name"), 255),
                    quantity=quantity,
                    price=_unit_price(subtotal, quantity),
                    discount=max(subtotal - line_total, Decimal(0)),
                )
            )
        order_id = _order_id(data.get("id"))
        return StoreOrder(
            order_id=order_id,
            number=_text(data.get("number"), 50) or order_id,
            event=topic,
            updated_at=_aware(data.get("date_modified_gmt") or data.get("date_created_gmt"), assume_utc=True),
            status=_text(data.get("status"), 50),
            currency=_currency(data.get("currency")),
            total=_decimal(data.get("total"), "total"),
            customer=StoreCustomer(
                email=_text(billing.get("email"), 254),
                phone=_text(billing.get("phone"), 50),
                first_name=_text(billing.get("first_name"), 150),
                last_name=_text(billing.get("last_name"), 150),
                company=_text(billing.get("company"), 255),
            ),
            lines=lines,
            note=_text(data.get("customer_note"), 5000),
            url=self._admin_url(_header(headers, "X-WC-Webhook-Source"), order_id),
        )

    def event_key(self, body: bytes, headers: Mapping[str, str]) -> str:
        order = self.parse(body, headers)
        # The delivery id changes on every retry; the order's modified time does not.
        if order.updated_at:
            return _bounded_key(f"{order.event}@{order.updated_at.astimezone(UTC).isoformat()}")
        return _bounded_key(f"{order.event}@{_body_digest(body)}")

    @staticmethod
    def _admin_url(source: str, order_id: str) -> str:
        site = _web_url(source)
        if not site:
            return ""
        # post.php also leads to the order when the store keeps orders in its own tables (HPOS).
        return f"{site.rstrip('/')}/wp-admin/post.php?post={order_id}&action=edit"


class ShopifyAdapter(StoreAdapter):
    name = "shopify"
    label = "Shopify"
    TOPICS = frozenset(
        {
            "orders/create",
            "orders/updated",
            "orders/paid",
            "orders/cancelled",
            "orders/fulfilled",
            "orders/partially_fulfilled",
        }
    )

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        check_size(len(body))
        _check_base64_signature(_header(headers, "X-Shopify-Hmac-Sha256"), body, secret)

    def parse(self, body: bytes, headers: Mapping[str, str]) -> StoreOrder:
        check_size(len(body))
        topic = _header(headers, "X-Shopify-Topic").lower()
        if topic not in self.TOPICS:
            raise UnsupportedEvent(_("Topic %(topic)s is not taken.") % {"topic": topic or "-"})
        data = _load_json(body)
        customer = _object(data.get("customer"))
        billing = _object(data.get("billing_address"))
        shipping = _object(data.get("shipping_address"))
        company = (
            billing.get("company")
            or _object(customer.get("default_address")).get("company")
            or shipping.get("company")
        )
        lines = []
        for item in data.get("line_items") or []:
            item = _object(item)
            allocations = [_object(a) for a in item.get("discount_allocations") or []]
            if allocations:
                discount = sum(
                    (_decimal(a.get("amount"), "discount_allocations.amount") for a in allocations),
                    Decimal(0),
                )
            else:
                discount = _decimal(
                    item.get("total_discount"), "line_items.total_discount", default=Decimal(0)
                )
            lines.append(
                StoreLine(
                    sku=_text(item.get("sku"), 100),
                    name=_text(item.get("name") or item.get("title"), 255),
                    quantity=_decimal(item.get("quantity"), "line_items.quantity"),
                    price=_decimal(item.get("price"), "line_items.price"),
                    discount=discount,
                )
            )
        order_id = _order_id(data.get("id"))
        return StoreOrder(
            order_id=order_id,
            number=_text(data.get("name"), 50) or _text(data.get("order_number"), 50),
            event=topic,
            updated_at=_aware(data.get("updated_at") or data.get("created_at"), assume_utc=False),
            status=self._status(data),
            currency=_currency(data.get("currency")),
            total=_decimal(data.get("total_price"), "total_price"),
            customer=StoreCustomer(
                email=_text(data.get("email") or data.get("contact_email") or customer.get("email"), 254),
                phone=_text(data.get("phone") or customer.get("phone") or billing.get("phone"), 50),
                first_name=_text(customer.get("first_name") or billing.get("first_name"), 150),
                last_name=_text(customer.get("last_name") or billing.get("last_name"), 150),
                company=_text(company, 255),
            ),
            lines=lines,
            note=_text(data.get("note"), 5000),
            url=self._admin_url(_header(headers, "X-Shopify-Shop-Domain"), order_id)
            or _web_url(_text(data.get("order_status_url"), 2000)),
        )

    def event_key(self, body: bytes, headers: Mapping[str, str]) -> str:
        topic = _header(headers, "X-Shopify-Topic").lower()
        # The event id is the same across retries and subscriptions; older API versions send only the
        # webhook id, which retries keep as well.
        event_id = _header(headers, "X-Shopify-Event-Id")
        if event_id:
            return _bounded_key(f"{topic}#event:{event_id}")
        webhook_id = _header(headers, "X-Shopify-Webhook-Id")
        if webhook_id:
            return _bounded_key(f"{topic}#webhook:{webhook_id}")
        order = self.parse(body, headers)
        if order.updated_at:
            return _bounded_key(f"{topic}@{order.updated_at.astimezone(UTC).isoformat()}")
        return _bounded_key(f"{topic}@{_body_digest(body)}")

    @staticmethod
    def _status(data: dict[str, Any]) -> str:
        """Shopify has no single status: cancelled, else fulfilled, else the financial status."""
        if data.get("cancelled_at"):
            return "cancelled"
        if _text(data.get("fulfillment_status")) == "fulfilled":
            return "fulfilled"
        return _text(data.get("financial_status"), 50) or "pending"

    @staticmethod
    def _admin_url(domain: str, order_id: str) -> str:
        domain = domain.lower()
        if not _SHOP_DOMAIN.match(domain):
            return ""
        return f"https://{domain}/admin/orders/{order_id}"


class LumenAdapter(StoreAdapter):
    name = "lumen"
    label = "Lumen JSON"
    EVENTS = frozenset({"order.created", "order.updated", "order.cancelled"})

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        check_size(len(body))
        provided = _header(headers, "X-Lumen-Signature")
        if not provided:
            raise Unsigned()
        if not secret:
            raise BadSignature(_("The connection has no secret to check signatures with."))
        scheme, _sep, hexdigest = provided.partition("=")
        if scheme.strip().lower() != "sha256":
            raise BadSignature(_("The signature must start with sha256=."))
        expected = _hmac_sha256(secret, body).hex().encode("ascii")
        if not hmac.compare_digest(expected, hexdigest.strip().lower().encode("utf-8")):
            raise BadSignature()

    def parse(self, body: bytes, headers: Mapping[str, str]) -> StoreOrder:
        data = _load_json(body)
        event = _text(data.get("event"), 50).lower()
        if event not in self.EVENTS:
            raise UnsupportedEvent(_("Event %(event)s is not taken.") % {"event": event or "-"})
        order = data.get("order")
        if not isinstance(order, dict):
            raise Malformed(_("The body has no order object."))
        customer = _object(order.get("customer"))
        lines = []
        for item in order.get("lines") or []:
            item = _object(item)
            lines.append(
                StoreLine(
                    sku=_text(item.get("sku"), 100),
                    name=_text(item.get("name"), 255),
                    quantity=_decimal(item.get("quantity"), "lines.quantity"),
                    price=_decimal(item.get("price"), "lines.price"),
                    discount=_decimal(item.get("discount"), "lines.discount", default=Decimal(0)),
                )
            )
        total = order.get("total")
        return StoreOrder(
            order_id=_order_id(order.get("id")),
            number=_text(order.get("number"), 50),
            event=event,
            updated_at=_aware(order.get("updated_at"), assume_utc=False),
            status=_text(order.get("status"), 50),
            currency=_currency(order.get("currency")),
            total=_decimal(total, "total")
            if total not in (None, "")
            else sum((x.amount for x in lines), Decimal(0)),
            customer=StoreCustomer(
                email=_text(customer.get("email"), 254),
                phone=_text(customer.get("phone"), 50),
                first_name=_text(customer.get("first_name"), 150),
                last_name=_text(customer.get("last_name"), 150),
                company=_text(customer.get("company"), 255),
            ),
            lines=lines,
            note=_text(order.get("note"), 5000),
            url=_web_url(_text(order.get("url"), 2000)),
        )

    def event_key(self, body: bytes, headers: Mapping[str, str]) -> str:
        data = _load_json(body)
        event_id = _text(data.get("event_id"), 150)
        if event_id:
            return _bounded_key(f"id:{event_id}")
        order = self.parse(body, headers)
        if order.updated_at:
            return _bounded_key(f"{order.event}@{order.updated_at.astimezone(UTC).isoformat()}")
        return _bounded_key(f"{order.event}@{_body_digest(body)}")


ADAPTERS: dict[str, StoreAdapter] = {
    adapter.name: adapter for adapter in (WooCommerceAdapter(), ShopifyAdapter(), LumenAdapter())
}
