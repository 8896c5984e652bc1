"""The process API: the list with the page's filters (and a query budget), the detail with steps, assignments,
history and files, starting a process from JSON or multipart (bad values are a 400 field by field and store
nothing), acting (409 `already_decided` for the loser), withdrawing and resubmitting."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.workflows.models import Process, ProcessAction, ProcessFile, ProcessTemplate
from portal.workflows.services.processes import process_act, process_start
from tests.utils import assert_query_budget, client_as
from tests.workflows.factories import AbsenceTypeFactory, process_laid

pytestmark = pytest.mark.django_db

URL = "/api/v1/workflows/processes/"


def _template(key):
    return ProcessTemplate.objects.get(key=key)


def _pdf(name="invoice.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% a file\n", content_type="application/pdf")


PAYMENT = {
    "counterparty": "Paper & Co",
    "amount": {"amount": "1200.00", "currency": "USD"},
    "purpose": "Paper",
    "due_date": "2030-01-31",
}


def _payment(requester, **changes):
    return process_start(
        actor=requester,
        template=_template("payment"),
        data={**PAYMENT, **changes},
        uploads={"invoice": [_pdf()]},
    )


def _leave_values(vacation, start="2030-07-01", end="2030-07-05"):
    return {"absence_type": vacation.pk, "period": {"start": start, "end": end}, "comment": "Sea"}


def test_start_from_json(org):
    vacation = AbsenceTypeFactory(key="vacation")
    response = client_as(org.east_rep).post(
        URL, {"template": _template("leave").pk, "data": _leave_values(vacation)}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    process = Process.objects.get(pk=body["id"])
    assert process.requester == org.east_rep and process.kind == "leave"
    assert body["data"]["period"] == {"start": "2030-07-01", "end": "2030-07-05"}
    assert body["status"] == "running"
    assert [s["status"] for s in body["steps"]] == ["active", "waiting"]
    assert body["steps"][0]["assignments"][0]["user"] == org.east_head.pk
    assert body["current_step"]["waiting_for"] == [org.east_head.pk]
    assert body["history"][0]["kind"] == "start"
    assert "withdraw" in body["allowed_actions"] and "approve" not in body["allowed_actions"]


def test_bad_values_are_a_400_field_by_field_and_store_nothing(org):
    before = (Process.objects.count(), ProcessAction.objects.count())
    response = client_as(org.east_rep).post(
        URL,
        {
            "template": _template("payment").pk,
            "data": {
                "counterparty": "",
                "amount": {"amount": "lots", "currency": "USD"},
                "due_date": "tomorrow",
            },
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"counterparty", "amount", "due_date", "purpose", "invoice"} <= set(error["fields"])
    assert (Process.objects.count(), ProcessAction.objects.count()) == before

    not_an_object = client_as(org.east_rep).post(
        URL, {"template": _template("payment").pk, "data": [1]}, format="json"
    )
    assert not_an_object.status_code == 400 and "data" in not_an_object.json()["error"]["fields"]


def test_expense_lines_from_json_with_receipts_in_multipart(org):
    response = client_as(org.east_rep).post(
        URL,
        {
            "template": _template("expense").pk,
            "data": json.dumps(
                {
                    "lines": [
                        {"date": "2030-01-10", "description": "Taxi", "amount": "12.30", "currency": "EUR"},
                        {"date": "2030-01-11", "description": "Bus", "amount": "2", "currency": "EUR"},
                    ]
                }
            ),
            "lines-0-receipt": _pdf("taxi.pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "14.30" and body["currency"] == "EUR"
    receipt = ProcessFile.objects.get(process_id=body["id"])
    assert receipt.name == "taxi.pdf"
    assert [line["receipt"] for line in body["data"]["lines"]] == [receipt.pk, None]
    assert body["files"][0]["download_url"].endswith(f"/{receipt.pk}/")


def test_a_payment_with_its_invoice_in_multipart(org):
    response = client_as(org.east_rep).post(
        URL,
        {"template": _template("payment").pk, "data": json.dumps(PAYMENT), "invoice": _pdf()},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["counterparty"] == "Paper & Co" and body["amount"] == "1200.00"
    assert body["data"]["invoice"] == [body["files"][0]["id"]]


def test_a_template_one_may_not_start_is_404(org):
    template = _template("payment")
    template.starters_everyone = False
    template.save(update_fields=["starters_everyone"])
    response = client_as(org.east_rep).post(URL, {"template": template.pk, "data": PAYMENT}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_act_and_the_loser_is_told(org):
    process = _payment(org.east_rep)
    client = client_as(org.east_head)
    refused = client.post(f"{URL}{process.pk}/act/", {"action": "reject"}, format="json")
    assert refused.status_code == 400 and "comment" in refused.json()["error"]["fields"]

    step = process.current_step_id
    done = client.post(f"{URL}{process.pk}/act/", {"action": "approve", "step": step}, format="json")
    assert done.status_code == 200
    assert done.json()["steps"][0]["status"] == "approved"

    again = client.post(f"{URL}{process.pk}/act/", {"action": "approve", "step": step}, format="json")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "already_decided" and "Already decided" in error["message"]
    assert ProcessAction.objects.filter(process=process, kind="approve").count() == 1


def test_someone_not_asked_may_not_decide(org):
    process = _payment(org.east_rep)
    # the requester sees the process but is not an approver of it
    response = client_as(org.east_rep).post(f"{URL}{process.pk}/act/", {"action": "approve"}, format="json")
    assert response.status_code == 403
    assert (
        client_as(org.developer)
        .post(f"{URL}{process.pk}/act/", {"action": "approve"}, format="json")
        .status_code
        == 404
    )


def test_withdraw_and_resubmit(org):
    process = _payment(org.east_rep)
    process_act(actor=org.east_head, process=process, action="return", comment="Amount?")
    client = client_as(org.east_rep)
    bad = client.post(f"{URL}{process.pk}/resubmit/", {"data": {**PAYMENT, "amount": None}}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()["error"]["fields"]

    response = client.post(
        f"{URL}{process.pk}/resubmit/",
        {"data": {**PAYMENT, "amount": {"amount": "999", "currency": "USD"}}, "comment": "Fixed"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "running" and body["round"] == 2 and body["amount"] == "999.00"
    assert body["data"]["invoice"] == [ProcessFile.objects.get(process=process).pk]  # kept

    withdrawn = client.post(f"{URL}{process.pk}/withdraw/", {"comment": "Not needed"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    twice = client.post(f"{URL}{process.pk}/withdraw/", {}, format="json")
    assert twice.status_code == 409


def test_the_list_takes_the_pages_filters(org):
    mine = _payment(org.east_rep)
    big = _payment(org.field_rep, counterparty="Steel Inc", amount={"amount": "250000", "currency": "USD"})
    client = client_as(org.east_head)

    def ids(**params):
        return {row["id"] for row in client.get(URL, params).json()["results"]}

    assert ids() == {mine.pk, big.pk}
    assert ids(scope="waiting") == {mine.pk, big.pk}
    assert ids(scope="mine") == set()
    assert ids(q="steel") == {big.pk}
    assert ids(amount_max="5000") == {mine.pk}
    assert ids(department=org.field.pk) == {big.pk}
    assert client_as(org.developer).get(URL).json()["results"] == []
    detail = client.get(f"{URL}{mine.pk}/").json()
    assert detail["title"] == mine.title and detail["allowed_actions"][:3] == ["approve", "reject", "return"]
    assert client_as(org.developer).get(f"{URL}{mine.pk}/").status_code == 404


def test_the_list_costs_the_same_at_3_and_at_30_processes(org):
    template = _template("payment")
    client = client_as(org.east_head)

    def lay(n):
        for _i in range(n):
            process_laid(requester=org.east_rep, approvers=[org.east_head], template=template)

    lay(3)
    client.get(URL)
    assert_query_budget(lambda: client.get(URL), lambda: lay(27), budget=20)


# --- a new version of the contract's draft ------------------------------------------------------------------

CONTRACT = {
    "counterparty": "Client Ltd",
    "subject": "Support",
    "amount": {"amount": "5000", "currency": "EUR"},
}


def _contract(requester):
    return process_start(
        actor=requester,
        template=_template("contract"),
        data=CONTRACT,
        uploads={"draft": [_pdf("draft-v1.pdf")]},
    )


def _replace(user, process, **parts):
    body = {"field": "draft", "file": _pdf("draft-v2.pdf"), **parts}
    return client_as(user).post(
        f"{URL}{process.pk}/replace-file/",
        {k: v for k, v in body.items() if v is not None},
        format="multipart",
    )


def test_the_requester_uploads_a_new_version_of_a_returned_draft(org):
    contract = _contract(org.east_rep)
    process_act(actor=org.east_head, process=contract, action="return", comment="Other terms")
    first = ProcessFile.objects.get(process=contract)

    response = _replace(org.east_rep, contract)
    assert response.status_code == 200, response.json()
    body = response.json()
    newest = ProcessFile.objects.get(process=contract, version=2)
    assert (newest.field, newest.name) == ("draft", "draft-v2.pdf")
    assert body["id"] == contract.pk and body["data"]["draft"] == [newest.pk]
    assert {(f["id"], f["version"]) for f in body["files"]} == {(first.pk, 1), (newest.pk, 2)}
    # The approval starts again from the first step, as after the page's upload.
    assert body["status"] == "running" and body["round"] == 2
    assert body["current_step"]["waiting_for"] == [org.east_head.pk]
    change = ProcessAction.objects.get(process=contract, kind="file")
    assert "draft-v2.pdf" in change.comment and change.details["version"] == 2
    assert body["history"][-1]["kind"] == "file" and body["history"][-1]["comment"] == change.comment
    assert "replace_file" in body["allowed_actions"]


def test_the_approver_of_the_running_step_may_bring_a_new_version_too(org):
    contract = _contract(org.east_rep)
    response = _replace(org.east_head, contract)
    assert response.status_code == 200, response.json()
    assert response.json()["round"] == 2
    assert ProcessFile.objects.get(process=contract, version=2).uploaded_by == org.east_head


def test_who_may_not_bring_a_new_version_is_told_as_on_the_page(org):
    contract = _contract(org.east_rep)
    # sales_head sees the request (east_rep's department is under Sales) but is not asked: 403, as the page.
    refused = _replace(org.sales_head, contract)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    # A stranger does not see it at all.
    hidden = _replace(org.developer, contract)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    # Once returned, the step is over: its approver no longer brings a new version.
    process_act(actor=org.east_head, process=contract, action="return", comment="Other terms")
    assert _replace(org.east_head, contract).status_code == 403
    assert ProcessFile.objects.filter(process=contract).count() == 1
    assert not ProcessAction.objects.filter(process=contract, kind="file").exists()


def test_a_bad_field_or_file_is_a_400_field_by_field_and_stores_nothing(org, settings):
    contract = _contract(org.east_rep)

    def refused(**parts):
        response = _replace(org.east_rep, contract, **parts)
        assert response.status_code == 400, response.json()
        error = response.json()["error"]
        assert error["code"] == "invalid"
        return error["fields"]

    assert set(refused(field="subject")) == {"field"}  # a field, but not a file
    assert set(refused(field="nothing")) == {"field"}
    assert set(refused(field=None)) == {"field"}
    assert set(refused(file=None)) == {"file"}
    assert set(refused(file="not a file")) == {"file"}
    settings.LUMEN_ATTACHMENT_MAX_BYTES = 10
    assert set(refused(file=_pdf("big.pdf"))) == {"file"}
    assert ProcessFile.objects.filter(process=contract).count() == 1
    assert not ProcessAction.objects.filter(process=contract, kind="file").exists()
    contract.refresh_from_db()
    assert contract.round == 1
    # JSON cannot carry the file.
    as_json = client_as(org.east_rep).post(
        f"{URL}{contract.pk}/replace-file/", {"field": "draft"}, format="json"
    )
    assert as_json.status_code == 415


def test_a_request_without_a_revised_file_has_nothing_to_replace(org):
    payment = _payment(org.east_rep)
    response = _replace(org.east_rep, payment, field="invoice")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"field"}
    assert ProcessFile.objects.filter(process=payment).count() == 1


def test_a_finished_request_is_a_409(org):
    contract = _contract(org.east_rep)
    client_as(org.east_rep).post(f"{URL}{contract.pk}/withdraw/", {}, format="json")
    response = _replace(org.east_rep, contract)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_decided"
    assert ProcessFile.objects.filter(process=contract).count() == 1
