"""The process form: every field type of a template version cleans into the definitions.py shape and refuses
bad input field by field; expense lines add up into the amount; a leave request shows the balance and warns
beyond it; a resubmission keeps the files it does not replace; the API's JSON becomes the same form input."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from portal.workflows.forms.processes import ProcessForm, balance_context, form_input
from portal.workflows.models import Process, ProcessFile
from tests.people.factories import DepartmentFactory, UserFactory
from tests.workflows.factories import (
    AbsenceTypeFactory,
    LeaveAllowanceFactory,
    ProcessTemplateFactory,
    process_laid,
)

pytestmark = pytest.mark.django_db

EVERY_TYPE = [
    {"key": "subject", "label": "Subject", "type": "text", "required": True, "help": "What it is about"},
    {"key": "notes", "label": "Notes", "type": "longtext"},
    {"key": "quantity", "label": "Quantity", "type": "number"},
    {"key": "amount", "label": "Amount", "type": "money", "purpose": "amount"},
    {"key": "due", "label": "Due", "type": "date", "purpose": "due_date"},
    {"key": "period", "label": "Period", "type": "daterange", "purpose": "period"},
    {"key": "who", "label": "Who", "type": "person"},
    {"key": "dept", "label": "Department", "type": "department"},
    {"key": "invoice", "label": "Invoice", "type": "file"},
    {"key": "urgency", "label": "Urgency", "type": "choice", "choices": ["low", "high"]},
    {"key": "agreed", "label": "Agreed", "type": "boolean"},
    {"key": "leave", "label": "Leave type", "type": "absence_type", "purpose": "absence_type"},
]


def _version(fields):
    return ProcessTemplateFactory(version__fields=fields).current_version


def _form(fields, data, files=None, user=None, **kwargs):
    user = user or UserFactory()
    post = MultiValueDict()
    for key, value in data.items():
        post.setlist(key, value if isinstance(value, list) else [value])
    return ProcessForm(
        version=_version(fields), user=user, data=post, files=files or MultiValueDict(), **kwargs
    )


def _upload(name="invoice.txt", content=b"An invoice, in plain text.\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_every_field_type_cleans_into_the_definitions_shape():
    person = UserFactory()
    department = DepartmentFactory(name="Finance")
    vacation = AbsenceTypeFactory(key="vacation", name="Vacation")
    upload = _upload()
    form = _form(
        EVERY_TYPE,
        {
            "subject": "  New laptops  ",
            "notes": "Two of them.\nFor the new hires.",
            "quantity": "12.50",
            "amount_0": "1499.5",
            "amount_1": "EUR",
            "due": "2030-03-01",
            "period_0": "2030-03-02",
            "period_1": "2030-03-05",
            "who": str(person.pk),
            "dept": str(department.pk),
            "urgency": "high",
            "agreed": "on",
            "leave": str(vacation.pk),
        },
        MultiValueDict({"invoice": [upload]}),
    )
    assert form.is_valid(), form.errors
    data, uploads = form.cleaned_values()
    assert data == {
        "subject": "New laptops",
        "notes": "Two of them.\nFor the new hires.",
        "quantity": "12.5",
        "amount": {"amount": "1499.50", "currency": "EUR"},
        "due": "2030-03-01",
        "period": {"start": "2030-03-02", "end": "2030-03-05"},
        "who": person.pk,
        "dept": department.pk,
        "invoice": [],
        "urgency": "high",
        "agreed": True,
        "leave": vacation.pk,
    }
    assert uploads == {"invoice": [upload]}


def test_empty_optional_fields_clean_to_nothing():
    form = _form(EVERY_TYPE, {"subject": "Only this", "amount_1": "USD"})
    assert form.is_valid(), form.errors
    data, uploads = form.cleaned_values()
    assert uploads == {}
    assert data["amount"] is None and data["period"] is None and data["who"] is None
    assert data["agreed"] is False and data["invoice"] == [] and data["quantity"] is None


@pytest.mark.parametrize(
    "posted, field",
    [
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 1001}, "subject"),
        ({"quantity": "twelve"}, "quantity"),
        ({"amount_0": "ten", "amount_1": "USD"}, "amount"),
        ({"amount_0": "-5", "amount_1": "USD"}, "amount"),
        ({"amount_0": "5", "amount_1": "XXX"}, "amount"),
        ({"due": "2030-02-30"}, "due"),
        ({"period_0": "2030-03-05", "period_1": "2030-03-01"}, "period"),
        ({"period_0": "2030-03-05", "period_1": ""}, "period"),
        ({"who": "999999"}, "who"),
        ({"dept": "999999"}, "dept"),
        ({"urgency": "medium"}, "urgency"),
        ({"leave": "999999"}, "leave"),
    ],
)
def test_bad_input_is_refused_field_by_field(posted, field):
    data = {"subject": "Fine", **posted}
    form = _form(EVERY_TYPE, data)
    assert not form.is_valid()
    assert list(form.errors) == [field], form.errors


def test_an_inactive_person_or_absence_type_is_refused():
    gone = UserFactory(is_active=False)
    retired = AbsenceTypeFactory(key="retired", is_active=False)
    form = _form(EVERY_TYPE, {"subject": "x", "who": str(gone.pk), "leave": str(retired.pk)})
    assert not form.is_valid()
    assert set(form.errors) == {"who", "leave"}


REQUIRED = [
    {"key": "amount", "label": "Amount", "type": "money", "required": True},
    {"key": "period", "label": "Period", "type": "daterange", "required": True},
    {"key": "invoice", "label": "Invoice", "type": "file", "required": True},
    {"key": "agreed", "label": "I agree", "type": "boolean", "required": True},
    {"key": "who", "label": "Who", "type": "person", "required": True},
]


def test_required_fields_of_every_kind_must_be_given():
    form = _form(REQUIRED, {"amount_1": "USD"})
    assert not form.is_valid()
    assert set(form.errors) == {"amount", "period", "invoice", "agreed", "who"}
    assert form.errors["amount"] == ["This field is required."]


def test_files_are_checked_like_core_attachments(settings):
    fields = [{"key": "invoice", "label": "Invoice", "type": "file"}]
    empty = _form(fields, {}, MultiValueDict({"invoice": [_upload(content=b"")]}))
    assert not empty.is_valid() and "invoice" in empty.errors

    settings.LUMEN_ATTACHMENT_MAX_BYTES = 10
    large = _form(fields, {}, MultiValueDict({"invoice": [_upload(content=b"x" * 11)]}))
    assert not large.is_valid()
    assert "too large" in large.errors["invoice"][0]

    settings.LUMEN_ATTACHMENT_MAX_BYTES = 1024
    settings.LUMEN_ATTACHMENT_REFUSED_TYPES = ["text/plain"]
    refused = _form(fields, {}, MultiValueDict({"invoice": [_upload()]}))
    assert not refused.is_valid()
    assert "not accepted" in refused.errors["invoice"][0]

    settings.LUMEN_ATTACHMENT_REFUSED_TYPES = []
    many = _form(fields, {}, MultiValueDict({"invoice": [_upload(f"{n}.txt") for n in range(11)]}))
    assert not many.is_valid() and "At most" in many.errors["invoice"][0]


EXPENSE = [
    {"key": "lines", "label": "Expenses", "type": "lines", "required": True},
    {"key": "amount", "label": "Total", "type": "money", "purpose": "amount"},
]


def _lines(*rows, total=None):
    data = {"lines-TOTAL_FORMS": str(total if total is not None else len(rows)), "lines-INITIAL_FORMS": "0"}
    for n, row in enumerate(rows):
        for name, value in row.items():
            data[f"lines-{n}-{name}"] = value
    return data


def test_expense_lines_add_up_into_the_amount_with_their_receipts():
    receipt = _upload("taxi.txt", b"Taxi 12.30\n")
    form = _form(
        EXPENSE,
        {
            **_lines(
                {"date": "2030-01-10", "description": "Taxi", "amount": "12.30", "currency": "EUR"},
                {"date": "2030-01-11", "description": "Hotel", "amount": "100", "currency": "EUR"},
                {"currency": "USD"},  # an untouched extra row is no line
                total=3,
            ),
            "amount_0": "1",  # whatever is typed, the total is the lines'
            "amount_1": "USD",
        },
        MultiValueDict({"lines-0-receipt": [receipt]}),
    )
    assert form.is_valid(), (form.errors, [f.errors for f in form.formsets["lines"]])
    data, uploads = form.cleaned_values()
    assert data["amount"] == {"amount": "112.30", "currency": "EUR"}
    assert [line["description"] for line in data["lines"]] == ["Taxi", "Hotel"]
    assert data["lines"][0] == {
        "date": "2030-01-10",
        "description": "Taxi",
        "amount": "12.30",
        "currency": "EUR",
        "receipt": None,
    }
    assert uploads == {"lines": [receipt, None]}


def test_expense_lines_refuse_bad_input():
    none = _form(EXPENSE, {**_lines(), "amount_1": "USD"})
    assert not none.is_valid()
    assert none.errors["lines"] == ["Add at least one line."]

    bad = _form(
        EXPENSE, {**_lines({"date": "2030-01-10", "description": "Taxi", "amount": "-3", "currency": "EUR"})}
    )
    assert not bad.is_valid()
    assert "lines" in bad.errors
    assert "amount" in bad.formsets["lines"].forms[0].errors

    mixed = _form(
        EXPENSE,
        _lines(
            {"date": "2030-01-10", "description": "Taxi", "amount": "3", "currency": "EUR"},
            {"date": "2030-01-10", "description": "Bus", "amount": "2", "currency": "USD"},
        ),
    )
    assert not mixed.is_valid()
    assert "one currency" in mixed.errors["lines"][0]


def test_a_deleted_line_does_not_count():
    form = _form(
        EXPENSE,
        _lines(
            {"date": "2030-01-10", "description": "Taxi", "amount": "3", "currency": "EUR"},
            {"date": "2030-01-10", "description": "Oops", "amount": "2", "currency": "EUR", "DELETE": "on"},
        ),
    )
    assert form.is_valid(), form.errors
    data, _uploads = form.cleaned_values()
    assert [line["description"] for line in data["lines"]] == ["Taxi"]
    assert data["amount"]["amount"] == "3.00"


LEAVE = [
    {"key": "type", "label": "Type", "type": "absence_type", "required": True, "purpose": "absence_type"},
    {"key": "period", "label": "Dates", "type": "daterange", "required": True, "purpose": "period"},
]


def test_a_leave_request_beyond_the_balance_is_allowed_with_a_warning():
    user = UserFactory()
    vacation = AbsenceTypeFactory(key="vacation", name="Vacation", counts_allowance=True)
    sick = AbsenceTypeFactory(key="sick", name="Sick")
    LeaveAllowanceFactory(user=user, year=2031, days=3)
    period = {"period_0": "2031-03-03", "period_1": "2031-03-14"}  # two working weeks: 10 days
    over = _form(LEAVE, {"type": str(vacation.pk), **period}, user=user)
    assert over.is_valid(), over.errors
    assert over.warnings and "10 working days" in over.warnings[0] and "3 left" in over.warnings[0]

    within = _form(
        LEAVE, {"type": str(vacation.pk), "period_0": "2031-03-03", "period_1": "2031-03-04"}, user=user
    )
    assert within.is_valid() and within.warnings == []

    not_counted = _form(LEAVE, {"type": str(sick.pk), **period}, user=user)
    assert not_counted.is_valid() and not_counted.warnings == []


def test_the_balance_beside_the_dates():
    user = UserFactory()
    LeaveAllowanceFactory(user=user, year=2031, days=5)
    shown = balance_context(user, start=datetime.date(2031, 3, 3), end=datetime.date(2031, 3, 14))
    assert shown["year"] == 2031 and shown["left"] == "5" and shown["days"] == 10 and shown["exceeds"]
    none_chosen = balance_context(user, start=None, end=None)
    assert none_chosen["days"] is None and not none_chosen["exceeds"]


def test_a_resubmission_keeps_the_files_it_does_not_replace():
    user = UserFactory()
    fields = [
        {"key": "subject", "label": "Subject", "type": "text", "required": True},
        {"key": "draft", "label": "Draft", "type": "file", "required": True},
    ]
    template = ProcessTemplateFactory(version__fields=fields)
    process = process_laid(requester=user, template=template, status="returned")
    kept = ProcessFile.objects.create(
        process=process, field="draft", name="draft.txt", file="workflows/x.txt"
    )
    other = process_laid(requester=user, template=template)
    foreign = ProcessFile.objects.create(
        process=other, field="draft", name="theirs.txt", file="workflows/y.txt"
    )
    Process.objects.filter(pk=process.pk).update(data={"subject": "Old", "draft": [kept.pk, foreign.pk]})
    process.refresh_from_db()

    blank = ProcessForm(version=template.current_version, user=user, initial=process.data, process=process)
    assert blank["subject"].value() == "Old"
    assert [f.pk for f in blank.kept["draft"]] == [kept.pk]  # another process's file is not this one's
    assert blank.fields["draft"].required is False

    form = ProcessForm(
        version=template.current_version,
        user=user,
        data=MultiValueDict({"subject": ["New"]}),
        files=MultiValueDict(),
        initial=process.data,
        process=process,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_values() == ({"subject": "New", "draft": [kept.pk]}, {})

    upload = _upload("v2.txt")
    replaced = ProcessForm(
        version=template.current_version,
        user=user,
        data=MultiValueDict({"subject": ["New"]}),
        files=MultiValueDict({"draft": [upload]}),
        initial=process.data,
        process=process,
    )
    assert replaced.is_valid(), replaced.errors
    assert replaced.cleaned_values() == ({"subject": "New", "draft": []}, {"draft": [upload]})


def test_the_apis_json_values_become_the_same_form_input():
    person = UserFactory()
    vacation = AbsenceTypeFactory(key="vacation", name="Vacation")
    values = {
        "subject": "From the API",
        "quantity": "3",
        "amount": {"amount": "10.5", "currency": "GBP"},
        "period": {"start": "2030-05-01", "end": "2030-05-02"},
        "who": person.pk,
        "agreed": True,
        "leave": vacation.pk,
        "urgency": "low",
    }
    version = _version(EVERY_TYPE)
    data, files = form_input(version, values)
    form = ProcessForm(version=version, user=UserFactory(), data=data, files=files)
    assert form.is_valid(), form.errors
    cleaned, uploads = form.cleaned_values()
    assert cleaned["amount"] == {"amount": "10.50", "currency": "GBP"}
    assert cleaned["period"] == {"start": "2030-05-01", "end": "2030-05-02"}
    assert cleaned["who"] == person.pk and cleaned["agreed"] is True and cleaned["quantity"] == "3"

    lines_version = _version(EXPENSE)
    data, files = form_input(
        lines_version,
        {"lines": [{"date": "2030-01-01", "description": "Bus", "amount": "2.5", "currency": "USD"}]},
    )
    form = ProcessForm(version=lines_version, user=UserFactory(), data=data, files=files)
    assert form.is_valid(), form.errors
    assert form.cleaned_values()[0]["amount"] == {"amount": "2.50", "currency": "USD"}


def test_the_form_shows_labels_help_and_required_marks():
    form = ProcessForm(version=_version(EVERY_TYPE), user=UserFactory())
    assert form.fields["subject"].label == "Subject"
    assert form.fields["subject"].help_text == "What it is about"
    assert form.fields["subject"].required and not form.fields["notes"].required
    assert [e.definition.key for e in form.entries] == [f["key"] for f in EVERY_TYPE]
    html = form.as_div()
    assert 'name="amount_0"' in html and 'name="amount_1"' in html and 'name="period_1"' in html
    assert Decimal("0") == Decimal(form.fields["amount"].fields[0].min_value)
