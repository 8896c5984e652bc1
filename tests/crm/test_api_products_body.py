"""A product's change with a body that is not a JSON object answers 400 in the error shape, never 500."""

from __future__ import annotations

import pytest

from tests.crm.factories import ProductFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", ["-1.4e16", "[1, 2]", '"text"'])
def test_a_body_that_is_not_an_object_is_refused(org, body):
    product = ProductFactory()
    response = client_as(org.admin).patch(
        f"/api/v1/crm/products/{product.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["status"] == 400
