"""Products: SKU unique, deactivation, the catalogue for everyone, the admin pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from crm.models import Product
from crm.services import products as services
from portal.core.errors import Invalid, NotAllowed
from tests.crm.factories import ProductFactory

pytestmark = pytest.mark.django_db


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sku_is_unique_and_price_is_money(org):
    services.product_create(actor=org.admin, name="Chair", sku="CH-1", price=Money("10.00", "USD"))
    with pytest.raises(Invalid) as exc:
        services.product_create(actor=org.admin, name="Other", sku="ch-1", price=Money("1", "USD"))
    assert "sku" in exc.value.fields
    with pytest.raises(NotAllowed):
        services.product_create(actor=org.east_rep, name="X", price=Money("1", "USD"))


def test_deactivated_products_leave_the_catalogue(org):
    product = ProductFactory(name="Old lamp")
    services.product_set_active(actor=org.admin, product=product, active=False)
    page = client_as(org.east_rep).get(reverse("crm:product_list"))
    assert page.status_code == 200 and "Old lamp" not in page.content.decode()
    page = client_as(org.admin).get(reverse("crm:product_list") + "?show=all")
    assert "Old lamp" in page.content.decode()


def test_admin_pages(org):
    admin = client_as(org.admin)
    response = admin.post(
        reverse("crm:product_create"), {"name": "Desk", "sku": "D-1", "price": "99.50", "currency": "EUR"}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    desk = Product.objects.get(sku="D-1")
    assert desk.price == Money("99.50", "EUR")
    response = admin.post(
        reverse("crm:product_edit", args=[desk.pk]),
        {"name": "Desk XL", "sku": "D-1", "price": "120", "currency": "EUR", "is_active": "on"},
    )
    desk.refresh_from_db()
    assert response.status_code == 302 and desk.name == "Desk XL"
    bad = admin.post(
        reverse("crm:product_create"), {"name": "Twin", "sku": "d-1", "price": "1", "currency": "EUR"}
    )
    assert bad.status_code == 400 and "Another product has this SKU" in bad.content.decode()
    assert client_as(org.east_rep).get(reverse("crm:product_create")).status_code == 404
