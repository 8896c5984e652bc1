"""Pages and the API answer odd query strings with a clear 4xx or an empty result, never a server error."""

from __future__ import annotations

import pytest

from tests.tasks.factories import TaskFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/search/?q=%00", "/chat/?q=a%00b", "/tasks/?q=%00", "/api/v1/search/?q=%00x", "/api/v1/tasks/?q=%00"],
)
def test_a_nul_byte_in_the_query_string_is_a_bad_request(org, url):
    response = client_as(org.sales_rep).get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["error"]["status"] == 400


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999"])
def test_odd_digits_in_ids_are_no_match(org, value):
    task = TaskFactory(creator=org.sales_rep, responsible=org.sales_rep)
    client = client_as(org.sales_rep)
    for url in (
        f"/tasks/kanban/?group={value}",
        f"/tasks/gantt/?group={value}",
        f"/tasks/gantt/data/?group={value}",
        f"/tasks/{task.pk}/links/search/?q={value}",
        f"/stream/?group={value}",
    ):
        response = client.get(url)
        assert response.status_code < 500, url
