"""Deputies: a person sets their own for a period, admins anyone's; nobody is their own deputy; a person's
periods never overlap; who sees and takes back what; the page and the API."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.core.audit import AuditLog
from portal.core.errors import Invalid, NotAllowed
from portal.workflows.models import Deputy
from portal.workflows.selectors import deputies as selectors
from portal.workflows.services import deputies as services
from tests.people.factories import UserFactory
from tests.utils import client_as, count_queries
from tests.workflows.factories import DeputyFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_a_person_sets_their_own_deputy_and_admins_anyones(org):
    mine = services.deputy_set(
        actor=org.east_rep, user=org.east_rep, deputy=org.sales_rep, start=days(1), end=days(5)
    )
    assert (mine.user, mine.deputy) == (org.east_rep, org.sales_rep)
    with pytest.raises(NotAllowed):  # not even a supervisor sets someone else's
        services.deputy_set(
            actor=org.east_head, user=org.east_rep, deputy=org.east_head, start=days(10), end=days(12)
        )
    by_admin = services.deputy_set(
        actor=org.admin, user=org.developer, deputy=org.it_head, start=days(0), end=days(3)
    )
    assert by_admin.user == org.developer
    assert AuditLog.objects.filter(action="workflows.deputy.create").count() == 2


def test_bad_periods_are_refused(org):
    cases = [
        ({"deputy": org.east_rep}, "deputy"),  # oneself
        ({"deputy": UserFactory(is_active=False)}, "deputy"),
        ({"start": days(5), "end": days(4)}, "end"),
        ({"start": days(-10), "end": days(-1)}, "end"),  # over already
        ({"end": days(400)}, "end"),
    ]
    for changes, field in cases:
        values = {"deputy": org.sales_rep, "start": days(1), "end": days(3), **changes}
        with pytest.raises(Invalid) as refused:
            services.deputy_set(actor=org.east_rep, user=org.east_rep, **values)
        assert field in refused.value.fields, changes
    assert not Deputy.objects.exists()


def test_overlapping_periods_of_one_person_are_refused(org):
    services.deputy_set(
        actor=org.east_rep, user=org.east_rep, deputy=org.sales_rep, start=days(1), end=days(5)
    )
    with pytest.raises(Invalid) as clash:
        services.deputy_set(
            actor=org.east_rep, user=org.east_rep, deputy=org.field_rep, start=days(5), end=days(9)
        )
    assert clash.value.code == "overlap" and "already" in clash.value.fields["start"][0]
    services.deputy_set(
        actor=org.east_rep, user=org.east_rep, deputy=org.field_rep, start=days(6), end=days(9)
    )
    # Another person's periods are theirs: the same days are fine, even with the same deputy.
    services.deputy_set(
        actor=org.developer, user=org.developer, deputy=org.sales_rep, start=days(1), end=days(5)
    )
    assert Deputy.objects.count() == 3


def test_who_sees_and_takes_back_a_period(org):
    row = DeputyFactory(user=org.east_rep, deputy=org.sales_rep, start=days(0), end=days(4))
    DeputyFactory(user=org.developer, deputy=org.it_head, start=days(0), end=days(4))
    old = DeputyFactory(user=org.east_rep, deputy=org.field_rep, start=days(-9), end=days(-5))
    assert list(selectors.deputy_list(user=org.east_rep)) == [row]
    assert set(selectors.deputy_list(user=org.east_rep, current=False)) == {row, old}
    assert list(selectors.deputy_list(user=org.sales_rep)) == [row]  # the one acting sees it
    assert list(selectors.deputy_list(user=org.ceo)) == []
    assert list(selectors.deputy_list(user=org.ceo, everyone=True)) == []  # "everyone" is for admins
    assert selectors.deputy_list(user=org.admin, everyone=True).count() == 2

    with pytest.raises(NotAllowed):  # the deputy does not end someone else's period
        services.deputy_delete(actor=org.sales_rep, deputy=row)
    services.deputy_delete(actor=org.east_rep, deputy=row)
    assert not Deputy.objects.filter(pk=row.pk).exists()
    assert AuditLog.objects.filter(action="workflows.deputy.delete").count() == 1
    on = selectors.deputy_on(user_ids=[org.developer.pk, org.east_rep.pk], day=days(1))
    assert set(on) == {org.developer.pk}


def test_the_page_sets_and_lists_deputies(org, django_assert_max_num_queries):
    url = reverse("workflows:deputy_list")
    client = client_as(org.east_rep)
    response = client.post(
        url,
        {"deputy": org.sales_rep.pk, "start": days(1).isoformat(), "end": days(3).isoformat()},
        format="multipart",
    )
    assert response.status_code == 302
    assert Deputy.objects.get().user == org.east_rep
    page = client.get(url).content.decode()
    assert str(org.sales_rep) in page and "Whose deputy" not in page  # a person sets their own only
    clash = client.post(
        url,
        {"deputy": org.field_rep.pk, "start": days(2).isoformat(), "end": days(4).isoformat()},
        format="multipart",
    )
    assert clash.status_code == 400 and "already" in clash.content.decode()
    admin_page = client_as(org.admin).get(url, {"all": "1"}).content.decode()
    assert "Whose deputy" in admin_page and str(org.east_rep) in admin_page

    few = count_queries(lambda: client_as(org.admin).get(url, {"all": "1"}))
    for n in range(15):
        DeputyFactory(user=UserFactory(), deputy=UserFactory(), start=days(n), end=days(n + 2))
    with django_assert_max_num_queries(few):
        assert client_as(org.admin).get(url, {"all": "1"}).status_code == 200


def test_the_api_sets_lists_and_removes(org):
    api = "/api/v1/workflows/deputies/"
    client = client_as(org.east_rep)
    created = client.post(
        api,
        {"deputy": org.sales_rep.pk, "start": days(0).isoformat(), "end": days(2).isoformat()},
        format="json",
    )
    assert created.status_code == 201 and created.json()["user"] == org.east_rep.pk
    someone_else = client.post(
        api,
        {
            "user": org.developer.pk,
            "deputy": org.sales_rep.pk,
            "start": days(0).isoformat(),
            "end": days(2).isoformat(),
        },
        format="json",
    )
    assert someone_else.status_code == 403
    self_deputy = client.post(
        api,
        {"deputy": org.east_rep.pk, "start": days(5).isoformat(), "end": days(6).isoformat()},
        format="json",
    )
    assert self_deputy.status_code == 400 and "deputy" in self_deputy.json()["error"]["fields"]
    assert [row["deputy"] for row in client.get(api).json()["results"]] == [org.sales_rep.pk]
    assert client_as(org.developer).get(api).json()["results"] == []
    pk = created.json()["id"]
    assert client_as(org.developer).delete(f"{api}{pk}/").status_code == 404
    assert client_as(org.sales_rep).delete(f"{api}{pk}/").status_code == 403
    assert client.delete(f"{api}{pk}/").status_code == 204
