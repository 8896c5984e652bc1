"""Store order webhooks: signatures, the normalised order, refusals. Plain unit tests, no database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from crm.connectors.stores import (
    ADAPTERS,
    MAX_BODY_BYTES,
    BadSignature,
    Malformed,
    StoreOrder,
    TooLarge,
    Unsigned,
    UnsupportedEvent,
    WebhookRejected,
    check_size,
)

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "whsec-Проверка-0123456789"


def _b64(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _hex(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Store:
    name: str
    payload: str
    signature_header: str
    sign: object
    headers: dict

    def body(self, **changes) -> bytes:
        data = json.loads((PAYLOADS / self.payload).read_text(encoding="utf-8"))
        target = data["order"] if self.name == "lumen" else data
        for key, value in changes.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
        return json.dumps(data, ensure_ascii=False).encode()

    def signed(self, body: bytes, secret: str = SECRET, **extra) -> dict:
        return {**self.headers, self.signature_header: self.sign(body, secret), **extra}


STORES = {
    "woocommerce": Store(
        "woocommerce",
        "woocommerce_order.json",
        "X-WC-Webhook-Signature",
        _b64,
        {
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated",
            "X-WC-Webhook-ID": "3",
            "X-WC-Webhook-Delivery-ID": "36e520ebabc2fa725092ff4a47acedf2",
            "X-WC-Webhook-Source": "https://shop.example.ru/",
        },
    ),
    "shopify": Store(
        "shopify",
        "shopify_order.json",
        "X-Shopify-Hmac-Sha256",
        _b64,
        {
            "X-Shopify-Topic": "orders/paid",
            "X-Shopify-Shop-Domain": "nord-ceramics.myshopify.com",
            "X-Shopify-API-Version": "2025-01",
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
            "X-Shopify-Triggered-At": "2025-04-02T09:11:31.000Z",
        },
    ),
    "lumen": Store(
        "lumen", "lumen_order.json", "X-Lumen-Signature", _hex, {"Content-Type": "application/json"}
    ),
}


@pytest.fixture(params=list(STORES))
def store(request):
    return STORES[request.param]


def test_the_registry_has_the_three_adapters():
    assert set(ADAPTERS) == {"woocommerce", "shopify", "lumen"}
    assert all(adapter.name == key for key, adapter in ADAPTERS.items())


# --- Signatures -------------------------------------------------------------------------------


def test_a_good_signature_passes(store):
    body = store.body()
    ADAPTERS[store.name].verify(body, store.signed(body), SECRET)


def test_header_names_are_matched_whatever_their_case(store):
    body = store.body()
    headers = {k.lower(): v for k, v in store.signed(body).items()}
    ADAPTERS[store.name].verify(body, headers, SECRET)
    assert isinstance(ADAPTERS[store.name].parse(body, headers), StoreOrder)


def test_a_signature_made_with_another_secret_is_refused(store):
    body = store.body()
    with pytest.raises(BadSignature) as caught:
        ADAPTERS[store.name].verify(body, store.signed(body, secret="another"), SECRET)
    assert (caught.value.code, caught.value.status) == ("bad_signature", 401)


def test_a_body_changed_after_signing_is_refused(store):
    body = store.body()
    headers = store.signed(body)
    tampered = body.replace(b'"RUB"', b'"USD"').replace(b'"EUR"', b'"USD"')
    assert tampered != body
    with pytest.raises(BadSignature):
        ADAPTERS[store.name].verify(tampered, headers, SECRET)


@pytest.mark.parametrize("value", ["", "   "])
def test_an_unsigned_delivery_is_refused(store, value):
    body = store.body()
    headers = {**store.headers}
    if value:
        headers[store.signature_header] = value
    with pytest.raises(Unsigned) as caught:
        ADAPTERS[store.name].verify(body, headers, SECRET)
    assert (caught.value.code, caught.value.status) == ("unsigned", 401)


@pytest.mark.parametrize("garbage", ["not base64 at all!", "c2hvcnQ=", "sha256=zz", "Ω"])
def test_a_garbled_signature_is_refused(store, garbage):
    body = store.body()
    with pytest.raises(BadSignature):
        ADAPTERS[store.name].verify(body, {**store.headers, store.signature_header: garbage}, SECRET)


def test_a_connection_without_a_secret_accepts_nothing(store):
    body = store.body()
    with pytest.raises(BadSignature):
        ADAPTERS[store.name].verify(body, store.signed(body, secret=""), "")


def test_lumen_wants_the_sha256_prefix_and_takes_upper_case_hex():
    body = STORES["lumen"].body()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    lumen = ADAPTERS["lumen"]
    with pytest.raises(BadSignature):
        lumen.verify(body, {"X-Lumen-Signature": digest}, SECRET)
    with pytest.raises(BadSignature):
        lumen.verify(body, {"X-Lumen-Signature": "sha1=" + digest}, SECRET)
    lumen.verify(body, {"X-Lumen-Signature": "sha256=" + digest.upper()}, SECRET)


def test_the_vendors_sign_base64_not_hex():
    body = STORES["shopify"].body()
    hex_digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    with pytest.raises(BadSignature):
        ADAPTERS["shopify"].verify(body, {"X-Shopify-Hmac-Sha256": hex_digest}, SECRET)


# --- Size -------------------------------------------------------------------------------------


def test_check_size_refuses_only_over_the_limit():
    check_size(None)
    check_size(MAX_BODY_BYTES)
    with pytest.raises(TooLarge) as caught:
        check_size(MAX_BODY_BYTES + 1)
    assert (caught.value.code, caught.value.status) == ("too_large", 413)
    assert MAX_BODY_BYTES == 256 * 1024


def test_an_oversized_body_is_refused_before_its_signature_is_checked(store):
    body = b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    with pytest.raises(TooLarge):
        ADAPTERS[store.name].verify(body, store.signed(body), SECRET)
    with pytest.raises(TooLarge):
        ADAPTERS[store.name].parse(body, store.signed(body))


# --- Malformed bodies -------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'"text"', b'{"total": NaN}'])
def test_a_body_that_is_not_a_json_object_is_malformed(store, body):
    with pytest.raises(Malformed) as caught:
        ADAPTERS[store.name].parse(body, store.signed(body))
    assert (caught.value.code, caught.value.status) == ("malformed", 400)


@pytest.mark.parametrize("bad_id", [None, "", "   ", True, {"x": 1}])
def test_an_order_without_an_id_is_malformed(store, bad_id):
    body = store.body(id=bad_id)
    with pytest.raises(Malformed):
        ADAPTERS[store.name].parse(body, store.signed(body))


@pytest.mark.parametrize("currency", ["ZZZ", "", "rubles", "XXX"])
def test_an_unknown_currency_is_malformed(store, currency):
    body = store.body(currency=currency)
    with pytest.raises(Malformed) as caught:
        ADAPTERS[store.name].parse(body, store.signed(body))
    assert "currency" in caught.value.message.lower()


TOTAL_FIELD = {"woocommerce": "total", "shopify": "total_price", "lumen": "total"}


@pytest.mark.parametrize("total", ["12,50", "abc", "-5.00", "Infinity", True, [1]])
def test_a_total_that_is_not_an_amount_is_malformed(store, total):
    body = store.body(**{TOTAL_FIELD[store.name]: total})
    with pytest.raises(Malformed):
        ADAPTERS[store.name].parse(body, store.signed(body))


def test_a_line_with_a_bad_quantity_is_malformed(store):
    data = json.loads(store.body())
    lines = data["order"]["lines"] if store.name == "lumen" else data["line_items"]
    lines[0]["quantity"] = "three"
    body = json.dumps(data).encode()
    with pytest.raises(Malformed):
        ADAPTERS[store.name].parse(body, store.signed(body))


def test_a_lumen_time_without_an_offset_is_malformed():
    body = STORES["lumen"].body(updated_at="2025-05-20T09:45:00")
    with pytest.raises(Malformed):
        ADAPTERS["lumen"].parse(body, {})


# --- Pings and other topics -------------------------------------------------------------------


def test_a_woocommerce_ping_is_ignored_even_unsigned():
    woo = ADAPTERS["woocommerce"]
    body = b"webhook_id=17"
    with pytest.raises(UnsupportedEvent) as caught:
        woo.verify(body, {"Content-Type": "application/x-www-form-urlencoded"}, SECRET)
    assert (caught.value.code, caught.value.status) == ("ignored", 202)
    with pytest.raises(UnsupportedEvent):
        woo.parse(body, {})


def test_an_unsigned_body_that_only_looks_like_a_ping_is_not_let_through():
    body = b"webhook_id=17&total=1"
    with pytest.raises(Unsigned):
        ADAPTERS["woocommerce"].verify(body, {}, SECRET)


@pytest.mark.parametrize(
    ("name", "header", "topic"),
    [
        ("woocommerce", "X-WC-Webhook-Topic", "product.updated"),
        ("woocommerce", "X-WC-Webhook-Topic", "order.deleted"),
        ("woocommerce", "X-WC-Webhook-Topic", ""),
        ("shopify", "X-Shopify-Topic", "products/update"),
        ("shopify", "X-Shopify-Topic", "customers/create"),
        ("shopify", "X-Shopify-Topic", "app/uninstalled"),
    ],
)
def test_topics_not_about_orders_are_ignored(name, header, topic):
    store = STORES[name]
    body = store.body()
    with pytest.raises(UnsupportedEvent) as caught:
        ADAPTERS[name].parse(body, store.signed(body, **{header: topic}))
    assert caught.value.status == 202


@pytest.mark.parametrize("event", ["ping", "customer.updated", ""])
def test_lumen_events_not_about_orders_are_ignored(event):
    data = json.loads(STORES["lumen"].body())
    data["event"] = event
    with pytest.raises(UnsupportedEvent):
        ADAPTERS["lumen"].parse(json.dumps(data).encode(), {})


def test_every_refusal_is_one_family():
    for cls in (Unsigned, BadSignature, Malformed, UnsupportedEvent, TooLarge):
        assert issubclass(cls, WebhookRejected)
    assert WebhookRejected("custom", "Something", 409).status == 409


# --- The normalised order ---------------------------------------------------------------------


def test_woocommerce_order():
    store = STORES["woocommerce"]
    body = store.body()
    order = ADAPTERS["woocommerce"].parse(body, store.signed(body))
    assert order.order_id == "4750"
    assert order.number == "4750"
    assert order.event == "order.updated"
    assert order.updated_at == datetime(2025, 3, 11, 16, 31, 2, tzinfo=UTC)
    assert order.status == "processing"
    assert order.currency == "RUB"
    assert order.total == Decimal("1459.87")
    assert order.customer.first_name == "Анна"
    assert order.customer.last_name == "Смирнова"
    assert order.customer.company == "ООО «Ромашка»"
    assert order.customer.email == "anna.smirnova@example.ru"
    assert order.customer.phone == "8 (495) 123-45-67"
    assert order.note == "Позвоните, пожалуйста, за час до доставки."
    assert order.url == "https://shop.example.ru/wp-admin/post.php?post=4750&action=edit"
    mug, teapot = order.lines
    assert (mug.sku, mug.name, mug.quantity, mug.price, mug.discount) == (
        "MUG-MORNING",
        "Кружка керамическая «Утро»",
        Decimal(3),
        Decimal("19.99"),
        Decimal(0),
    )
    assert mug.amount == Decimal("59.97")
    # The coupon's 10.00 sits on the teapot: subtotal 1059.90, total 1049.90.
    assert (teapot.price, teapot.discount, teapot.amount) == (
        Decimal("1059.90"),
        Decimal("10.00"),
        Decimal("1049.90"),
    )


def test_woocommerce_unit_price_of_an_uneven_line():
    store = STORES["woocommerce"]
    data = json.loads(store.body())
    data["line_items"] = [{"name": "Три по десять", "quantity": 3, "subtotal": "10.00", "total": "10.00"}]
    order = ADAPTERS["woocommerce"].parse(json.dumps(data).encode(), store.headers)
    assert order.lines[0].price == Decimal("3.3333")


def test_woocommerce_without_a_source_has_no_link():
    store = STORES["woocommerce"]
    headers = {**store.headers, "X-WC-Webhook-Source": "javascript:alert(1)"}
    assert ADAPTERS["woocommerce"].parse(store.body(), headers).url == ""


def test_shopify_order():
    store = STORES["shopify"]
    body = store.body()
    order = ADAPTERS["shopify"].parse(body, store.signed(body))
    assert order.order_id == "5812345678901"
    assert order.number == "#1042"
    assert order.event == "orders/paid"
    assert order.updated_at == datetime(2025, 4, 2, 9, 11, 30, tzinfo=UTC)
    assert order.updated_at.utcoffset() == timedelta(hours=3)
    assert order.status == "paid"
    assert (order.currency, order.total) == ("EUR", Decimal("64.97"))
    assert order.customer.first_name == "Иван"
    assert order.customer.last_name == "Петров"
    assert order.customer.company == "АО «Север»"
    assert order.customer.email == "ivan.petrov@example.com"
    assert order.customer.phone == "+79215550102"
    assert order.note == "Упакуйте как подарок"
    assert order.url == "https://nord-ceramics.myshopify.com/admin/orders/5812345678901"
    mugs, wrapping = order.lines
    assert (mugs.quantity, mugs.price, mugs.discount) == (Decimal(3), Decimal("19.99"), Decimal("5.00"))
    assert mugs.quantity * mugs.price == Decimal("59.97")
    assert wrapping.sku == ""
    assert sum(line.amount for line in order.lines) == order.total


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"cancelled_at": "2025-04-03T10:00:00+03:00"}, "cancelled"),
        ({"fulfillment_status": "fulfilled"}, "fulfilled"),
        ({"fulfillment_status": "partial", "financial_status": "partially_refunded"}, "partially_refunded"),
        ({"financial_status": None}, "pending"),
    ],
)
def test_shopify_status(changes, status):
    store = STORES["shopify"]
    body = store.body(**changes)
    assert ADAPTERS["shopify"].parse(body, store.headers).status == status


def test_shopify_without_a_shop_domain_links_the_status_page():
    store = STORES["shopify"]
    headers = {k: v for k, v in store.headers.items() if k != "X-Shopify-Shop-Domain"}
    order = ADAPTERS["shopify"].parse(store.body(), headers)
    assert order.url.startswith("https://shop.example.com/69510201/orders/")


def test_lumen_order():
    store = STORES["lumen"]
    body = store.body()
    order = ADAPTERS["lumen"].parse(body, store.signed(body))
    assert (order.order_id, order.number, order.event, order.status) == (
        "A-2025-0193",
        "193",
        "order.updated",
        "paid",
    )
    assert order.updated_at == datetime(2025, 5, 20, 9, 45, tzinfo=timezone(timedelta(hours=3)))
    assert (order.currency, order.total) == ("RUB", Decimal("6047.00"))
    assert order.customer.last_name == "Кузнецова"
    assert order.customer.company == "ИП Кузнецова О. А."
    notebooks, pens = order.lines
    # A JSON number 19.99 is read as Decimal, never through float.
    assert notebooks.price == Decimal("19.99")
    assert notebooks.amount == Decimal("59.97")
    assert (pens.quantity, pens.price, pens.discount) == (Decimal(2), Decimal("3000.00"), Decimal("12.97"))
    assert order.url == "https://erp.example.ru/orders/A-2025-0193"


def test_lumen_total_defaults_to_the_sum_of_the_lines():
    body = STORES["lumen"].body(total=None)
    assert ADAPTERS["lumen"].parse(body, {}).total == Decimal("6047.00")


def test_lumen_numeric_order_id_and_float_amounts_stay_exact():
    data = json.loads(STORES["lumen"].body())
    data["order"]["id"] = 1001
    data["order"]["total"] = 0.1
    data["order"]["lines"] = [{"name": "x", "quantity": 3, "price": 0.1}]
    order = ADAPTERS["lumen"].parse(json.dumps(data).encode(), {})
    assert order.order_id == "1001"
    assert order.total == Decimal("0.1")
    assert order.lines[0].amount == Decimal("0.3")


def test_lumen_unsafe_links_are_dropped():
    body = STORES["lumen"].body(url="javascript:alert(1)")
    assert ADAPTERS["lumen"].parse(body, {}).url == ""


# --- Event keys -------------------------------------------------------------------------------


def test_a_retry_has_the_same_key_and_a_new_change_a_new_one(store):
    adapter = ADAPTERS[store.name]
    body = store.body()
    first = adapter.event_key(body, store.signed(body))
    retry_headers = store.signed(body, **{"X-WC-Webhook-Delivery-ID": "ffffffffffffffffffffffffffffffff"})
    assert adapter.event_key(body, retry_headers) == first
    assert 0 < len(first) <= 200


def test_woocommerce_key_follows_the_modified_time():
    store = STORES["woocommerce"]
    woo = ADAPTERS["woocommerce"]
    later = store.body(date_modified_gmt="2025-03-11T17:00:00")
    assert woo.event_key(store.body(), store.headers) != woo.event_key(later, store.headers)
    created = {**store.headers, "X-WC-Webhook-Topic": "order.created"}
    assert woo.event_key(store.body(), store.headers) != woo.event_key(store.body(), created)


def test_shopify_key_is_the_event_id_then_the_webhook_id_then_the_time():
    store = STORES["shopify"]
    shopify = ADAPTERS["shopify"]
    body = store.body()
    assert "98880550-7158-44d4-b7cd-2c97c8a091b5" in shopify.event_key(body, store.headers)
    no_event = {k: v for k, v in store.headers.items() if k != "X-Shopify-Event-Id"}
    assert "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043" in shopify.event_key(body, no_event)
    bare = {"X-Shopify-Topic": "orders/updated"}
    assert shopify.event_key(body, bare) == "orders/updated@2025-04-02T09:11:30+00:00"


def test_lumen_key_is_the_event_id_when_given():
    store = STORES["lumen"]
    lumen = ADAPTERS["lumen"]
    assert lumen.event_key(store.body(), {}) == "id:evt_01JQ7Z4K3M8N"
    data = json.loads(store.body())
    del data["event_id"]
    assert lumen.event_key(json.dumps(data).encode(), {}) == "order.updated@2025-05-20T06:45:00+00:00"


def test_a_long_event_id_is_folded_into_a_digest():
    store = STORES["shopify"]
    headers = {**store.headers, "X-Shopify-Event-Id": "e" * 500}
    key = ADAPTERS["shopify"].event_key(store.body(), headers)
    assert key.startswith("sha256:") and len(key) <= 200
