"""The payment register: approved payments not yet paid with their totals by currency (summed in SQL), "mark
paid" (once: a second time is refused and changes nothing), the paid tab, the export, the API, and a query
budget that does not grow with the rows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.core.errors import Invalid, NotAllowed
from portal.workflows.models import Process, ProcessAction, ProcessRole, ProcessTemplate
from portal.workflows.selectors.payments import payment_list, payment_totals
from portal.workflows.services.payments import payment_mark_paid
from portal.workflows.services.processes import process_act, process_start
from tests.people.factories import UserFactory
from tests.utils import assert_query_budget, client_as
from tests.workflows.factories import process_laid

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def accountant(org):
    person = UserFactory(email="books@acme.test", department=org.it)
    ProcessRole.objects.get(key="accountant").members.add(person)
    return person


def approved(
    requester, amount="100.00", currency="USD", *, counterparty="Supplier", due="2030-02-01", kind="payment"
):
    template = ProcessTemplate.objects.get(key=kind)
    process = process_laid(
        requester=requester, template=template, status="approved", counterparty=counterparty
    )
    Process.objects.filter(pk=process.pk).update(
        amount=Decimal(amount), amount_currency=currency, due_date=due, current_step=None
    )
    process.refresh_from_db()
    return process


def test_a_payment_approved_through_its_route_lands_in_the_register(org, accountant):
    process = process_start(
        actor=org.east_rep,
        template=ProcessTemplate.objects.get(key="payment"),
        data={
            "counterparty": "Paper & Co",
            "amount": {"amount": "1200", "currency": "EUR"},
            "purpose": "Paper",
            "due_date": "2030-01-31",
        },
        uploads={"invoice": [SimpleUploadedFile("i.pdf", b"%PDF-1.4 x", content_type="application/pdf")]},
    )
    client = page_client(accountant)
    assert (
        f'data-payment="{process.pk}"'
        not in client.get(reverse("workflows:payment_register")).content.decode()
    )
    process_act(actor=org.east_head, process=process, action="approve")
    process_act(actor=accountant, process=process, action="approve")
    process.refresh_from_db()
    assert process.status == "approved"
    html = client.get(reverse("workflows:payment_register")).content.decode()
    assert f'data-payment="{process.pk}"' in html and "Paper &amp; Co" in html


def test_the_register_sums_by_currency_in_sql(org, accountant):
    approved(org.east_rep, "100.00", "USD", due="2030-03-01")
    approved(org.east_rep, "50.50", "USD", due="2030-01-01")
    approved(org.developer, "70.00", "EUR")
    approved(org.developer, "30.00", "EUR", kind="expense")
    paid = approved(org.east_rep, "999.00", "USD")
    Process.objects.filter(pk=paid.pk).update(paid_at="2030-01-01T10:00Z")
    running = process_laid(requester=org.east_rep, template=ProcessTemplate.objects.get(key="payment"))
    Process.objects.filter(pk=running.pk).update(amount=Decimal("5"), amount_currency="USD")

    rows = payment_list(user=accountant)
    assert [p.due_date.isoformat() for p in rows][:2] == ["2030-01-01", "2030-02-01"]  # nearest due first
    totals = {str(t["money"].currency): (t["money"].amount, t["count"]) for t in payment_totals(rows)}
    assert totals == {"USD": (Decimal("150.50"), 2), "EUR": (Decimal("100.00"), 2)}
    paid_totals = payment_totals(payment_list(user=accountant, tab="paid"))
    assert [(str(t["money"].currency), t["money"].amount) for t in paid_totals] == [
        ("USD", Decimal("999.00"))
    ]

    html = page_client(accountant).get(reverse("workflows:payment_register")).content.decode()
    assert 'data-total="USD"' in html and 'data-total="EUR"' in html
    assert f'data-payment="{paid.pk}"' not in html and f'data-payment="{running.pk}"' not in html
    paid_tab = (
        page_client(accountant).get(reverse("workflows:payment_register"), {"tab": "paid"}).content.decode()
    )
    assert f'data-payment="{paid.pk}"' in paid_tab and "data-mark-paid" not in paid_tab


def test_mark_paid_once(org, accountant):
    process = approved(org.east_rep)
    client = page_client(accountant)
    url = reverse("workflows:payment_mark_paid", args=[process.pk])
    row = client.post(url, **HTMX).content.decode()
    assert row.startswith("<tr") and "data-paid-at" in row and "data-mark-paid" not in row
    process.refresh_from_db()
    assert process.paid_at is not None and process.paid_by == accountant
    assert ProcessAction.objects.filter(process=process, kind="paid", actor=accountant).count() == 1

    paid_at = process.paid_at
    again = client.post(url, **HTMX).content.decode()
    assert "data-paid-error" in again and "Already paid" in again
    process.refresh_from_db()
    assert process.paid_at == paid_at
    assert ProcessAction.objects.filter(process=process, kind="paid").count() == 1

    page = client.post(url, follow=True)
    assert "Already paid" in page.content.decode()


def test_only_approved_payments_are_paid_and_only_by_accountants(org, accountant):
    running = process_laid(requester=org.east_rep, template=ProcessTemplate.objects.get(key="payment"))
    with pytest.raises(Invalid) as refused:
        payment_mark_paid(actor=accountant, process=running)
    assert refused.value.code == "not_payable"
    leave = approved(org.east_rep, kind="leave")
    with pytest.raises(Invalid):
        payment_mark_paid(actor=accountant, process=leave)
    process = approved(org.east_rep)
    with pytest.raises(NotAllowed):
        payment_mark_paid(actor=org.east_head, process=process)
    process.refresh_from_db()
    assert process.paid_at is None
    payment_mark_paid(actor=org.admin, process=process)
    process.refresh_from_db()
    assert process.paid_by == org.admin


def test_the_register_is_404_for_others(org, accountant):
    approved(org.east_rep)
    for person in (org.east_rep, org.east_head, org.ceo):
        assert page_client(person).get(reverse("workflows:payment_register")).status_code == 404
    assert page_client(org.admin).get(reverse("workflows:payment_register")).status_code == 200
    assert "wf-register-link" in page_client(accountant).get(reverse("workflows:home")).content.decode()
    assert "wf-register-link" not in page_client(org.east_rep).get(reverse("workflows:home")).content.decode()


def test_the_export_of_the_register(org, accountant):
    approved(org.east_rep, "100.00", "USD", counterparty="=cmd")
    response = page_client(accountant).get(reverse("workflows:payment_register"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][3] == "Counterparty" and rows[1][3] == "'=cmd" and rows[1][5] == "100.00"
    xlsx = page_client(accountant).get(reverse("workflows:payment_register"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_api_of_the_register(org, accountant):
    process = approved(org.east_rep, "100.00", "USD")
    approved(org.east_rep, "7.00", "GBP")
    client = client_as(accountant)
    listed = client.get("/api/v1/workflows/payments/").json()
    assert {row["id"] for row in listed["results"]} >= {process.pk}
    totals = client.get("/api/v1/workflows/payments/totals/").json()
    assert {row["currency"]: row["amount"] for row in totals} == {"GBP": "7.00", "USD": "100.00"}
    done = client.post(f"/api/v1/workflows/payments/{process.pk}/paid/")
    assert done.status_code == 200 and done.json()["paid_by"] == accountant.pk
    again = client.post(f"/api/v1/workflows/payments/{process.pk}/paid/")
    assert (
        again.status_code == 400 and "Already paid" in again.json()["error"]["fields"]["non_field_errors"][0]
    )
    assert client_as(org.east_rep).get("/api/v1/workflows/payments/").status_code == 404


def test_the_register_costs_the_same_at_3_and_at_30_rows(org, accountant):
    client = page_client(accountant)
    for n in range(3):
        approved(org.east_rep, f"{n + 1}.00", "USD" if n % 2 else "EUR")
    url = reverse("workflows:payment_register")
    client.get(url)

    def grow():
        for n in range(27):
            approved(org.developer, f"{n + 1}.00", "USD" if n % 2 else "EUR")

    assert_query_budget(lambda: client.get(url), grow, budget=20)
